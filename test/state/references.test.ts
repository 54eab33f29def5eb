// lib/state/references.ts: the rules on references between environments and shared networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clearBroken,
  consumersOf,
  deleteEnvironment,
  dropReference,
  markBroken,
  releaseIfUnused,
  releaseSubnet,
  subnetsInUse,
} from '../../lib/state/references.ts';
import { emptyState, localEnvironments, type Environment, type State } from '../../lib/state/schema.ts';

function env(name: string, over: Partial<Environment> = {}): Environment {
  return {
    name,
    project: 'p',
    created_at: '',
    subnet: `10.224.${name.length}.0/24`,
    status: 'running',
    source: `/src/${name}`,
    services: {},
    shared_networks: [],
    ...over,
  };
}

/** db publishes cilo-shared-db (used by a and b); a and b also join corp-net; c joins nothing. */
function world(): State {
  const s = emptyState();
  const envs = localEnvironments(s);
  envs['p/db'] = env('db', { subnet: '10.224.0.0/24', shared_subnet: '10.224.1.0/24', create_shared: true });
  envs['p/a'] = env('a', { subnet: '10.224.2.0/24', shared_networks: ['cilo-shared-db', 'corp-net'] });
  envs['p/b'] = env('b', { subnet: '10.224.3.0/24', shared_networks: ['cilo-shared-db', 'corp-net'] });
  envs['p/c'] = env('c', { subnet: '10.224.4.0/24' });
  s.shared_networks['cilo-shared-db'] = {
    name: 'cilo-shared-db',
    created_by: 'p/db',
    created_at: '',
    referenced_by: ['p/db', 'p/a', 'p/b'],
    subnet: '10.224.1.0/24',
  };
  s.shared_networks['corp-net'] = {
    name: 'corp-net',
    created_by: 'external',
    created_at: '',
    referenced_by: ['p/a', 'p/b'],
  };
  return s;
}

test('consumersOf: the others referencing what a key publishes, per network', () => {
  const s = world();
  assert.deepEqual([...consumersOf(s, 'p/db')], [['cilo-shared-db', ['p/a', 'p/b']]]);
  assert.deepEqual([...consumersOf(s, 'p/a')], []);
});

test('markBroken and clearBroken', () => {
  const s = world();
  markBroken(s, 'cilo-shared-db', ['p/a', 'p/gone']);
  markBroken(s, 'cilo-shared-db', ['p/a']);
  assert.deepEqual(
    localEnvironments(s)['p/a']!.broken_shared_networks,
    ['cilo-shared-db'],
    'once, and unknown keys are skipped',
  );
  clearBroken(localEnvironments(s)['p/a']!, 'cilo-shared-db');
  assert.equal(localEnvironments(s)['p/a']!.broken_shared_networks, undefined, 'the field goes with the last one');
});

test('dropReference: a record stays while referenced or while its publisher lives; the last reference of an external one takes it', () => {
  const s = world();
  dropReference(s, 'corp-net', 'p/a');
  assert.deepEqual(s.shared_networks['corp-net']!.referenced_by, ['p/b']);
  dropReference(s, 'corp-net', 'p/b');
  assert.equal(s.shared_networks['corp-net'], undefined);
  dropReference(s, 'cilo-shared-db', 'p/a');
  dropReference(s, 'cilo-shared-db', 'p/b');
  dropReference(s, 'cilo-shared-db', 'p/db');
  assert.ok(s.shared_networks['cilo-shared-db'], 'its publisher still exists');
  dropReference(s, 'nope', 'p/a'); // no record: nothing to do
});

test('releaseIfUnused: only unreferenced records whose publisher is gone or external', () => {
  const s = world();
  s.shared_networks['orphan'] = { name: 'orphan', created_by: 'p/gone', created_at: '', referenced_by: [] };
  s.shared_networks['kept'] = { name: 'kept', created_by: 'p/c', created_at: '', referenced_by: [] };
  releaseIfUnused(s, 'orphan');
  releaseIfUnused(s, 'kept');
  assert.equal(s.shared_networks['orphan'], undefined);
  assert.ok(s.shared_networks['kept']);
});

test('deleteEnvironment of a consumer drops its references', () => {
  const s = world();
  deleteEnvironment(s, 'p/a');
  assert.equal(localEnvironments(s)['p/a'], undefined);
  assert.deepEqual(s.shared_networks['cilo-shared-db']!.referenced_by, ['p/db', 'p/b']);
  assert.deepEqual(s.shared_networks['corp-net']!.referenced_by, ['p/b']);
  deleteEnvironment(s, 'p/nope'); // unknown: nothing happens
});

test('deleteEnvironment of a publisher: its network record stays for the consumers, without subnet or creator reference', () => {
  const s = world();
  deleteEnvironment(s, 'p/db');
  assert.deepEqual(s.shared_networks['cilo-shared-db'], {
    name: 'cilo-shared-db',
    created_by: 'p/db',
    created_at: '',
    referenced_by: ['p/a', 'p/b'],
  });
  assert.ok(!subnetsInUse(s).includes('10.224.1.0/24'), 'the published subnet is free');
  deleteEnvironment(s, 'p/a');
  deleteEnvironment(s, 'p/b');
  assert.equal(s.shared_networks['cilo-shared-db'], undefined, 'the last consumer takes the record');
});

test('subnetsInUse: environment, project-network, published and shared-network subnets', () => {
  const s = world();
  localEnvironments(s)['p/c']!.networks = {
    default: { name: 'cilo-c', subnet: '10.224.4.0/24' },
    back: { name: 'c_back', subnet: '10.224.5.0/26' },
  };
  s.shared_networks['x'] = {
    name: 'x',
    created_by: 'external',
    created_at: '',
    referenced_by: [],
    subnet: '10.230.0.0/24',
  };
  assert.deepEqual(
    subnetsInUse(s).sort(),
    [
      '10.224.0.0/24',
      '10.224.1.0/24',
      '10.224.1.0/24',
      '10.224.2.0/24',
      '10.224.3.0/24',
      '10.224.4.0/24',
      '10.224.5.0/26',
      '10.230.0.0/24',
    ].sort(),
  );
});

test('releaseSubnet gives back a refused published or project-network subnet, and only that', () => {
  const s = world();
  localEnvironments(s)['p/db']!.networks = {
    default: { name: 'cilo-db', subnet: '10.224.0.0/24' },
    back: { name: 'db_back', subnet: '10.224.8.0/26' },
  };
  releaseSubnet(s, 'p/db', '10.224.9.0/24');
  assert.equal(localEnvironments(s)['p/db']!.shared_subnet, '10.224.1.0/24', 'another subnet: nothing changes');
  releaseSubnet(s, 'p/db', '10.224.0.0/24');
  assert.ok(
    localEnvironments(s)['p/db']!.networks!.default,
    "the environment's own subnet goes only with the environment",
  );
  releaseSubnet(s, 'p/db', '10.224.8.0/26');
  assert.deepEqual(Object.keys(localEnvironments(s)['p/db']!.networks!), ['default']);
  releaseSubnet(s, 'p/db', '10.224.1.0/24');
  assert.equal(localEnvironments(s)['p/db']!.shared_subnet, undefined);
  assert.equal(s.shared_networks['cilo-shared-db'], undefined);
});
