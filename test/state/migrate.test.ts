// lib/state/migrate.ts (and the helpers of lib/state/schema.ts): parsing, v1 migration and the errors that
// protect a state file we cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseState, StateFileError } from '../../lib/state/migrate.ts';
import { emptyState, envKey, findEnvByName, localEnvironments } from '../../lib/state/schema.ts';
import { UserError } from '../../lib/errors/index.ts';

const FILE = '/home/u/.cilo/state.json';

function env(name: string, project: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    project,
    created_at: '2024-01-01T00:00:00.000Z',
    subnet: '10.224.0.0/24',
    status: 'running',
    source: `/src/${name}`,
    services: {
      web: { name: 'web', dns_name: `web.${name}.test`, ip: '10.224.0.2', addresses: ['10.224.0.2'], replicas: 1 },
    },
    shared_networks: [],
    ...extra,
  };
}

/** Asserts fn throws a StateFileError whose message names FILE and matches `re`. */
function throwsStateError(fn: () => unknown, re: RegExp): StateFileError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StateFileError, `expected StateFileError, got ${String(caught)}`);
  assert.ok(caught instanceof UserError, 'a state file error is a user error (no stack trace)');
  assert.ok(caught.message.includes(FILE), `message names the file: ${caught.message}`);
  assert.match(caught.message, re);
  assert.ok(caught.hint && caught.hint.length > 0, 'comes with a hint');
  return caught;
}

test('emptyState has the v2 shape', () => {
  assert.deepEqual(emptyState(), {
    version: 2,
    subnet_counter: 0,
    hosts: { local: { environments: {} } },
    shared_networks: {},
  });
  // fresh objects each time: mutating one must not leak into the next
  const a = emptyState();
  localEnvironments(a)['p/x'] = env('x', 'p') as never;
  assert.deepEqual(localEnvironments(emptyState()), {});
});

test('parseState keeps a valid v2 file as it is, extra fields included', () => {
  const v2 = {
    version: 2,
    subnet_counter: 7,
    hosts: { local: { environments: { 'shop/dev': env('dev', 'shop', { dns_suffix: 'test', custom_field: 42 }) } } },
    shared_networks: {
      'cilo-shared-db': {
        name: 'cilo-shared-db',
        created_by: 'shop/db',
        created_at: '2024-01-01T00:00:00.000Z',
        referenced_by: ['shop/dev'],
        subnet: '10.224.1.0/24',
      },
    },
    extra_top_level: 'kept',
  };
  const parsed = parseState(JSON.stringify(v2), FILE);
  assert.deepEqual(parsed, v2);
});

test('parseState fills defaults a v2 file may omit (services, shared_networks, addresses, referenced_by)', () => {
  const text = JSON.stringify({
    version: 2,
    hosts: {
      local: {
        environments: {
          'p/a': { name: 'a', project: 'p', services: { web: { name: 'web', dns_name: 'web.a.test', replicas: 1 } } },
        },
      },
    },
    shared_networks: { n: { name: 'n', created_by: 'p/a', created_at: 'x' } },
  });
  const s = parseState(text, FILE);
  assert.equal(s.subnet_counter, 0);
  const a = localEnvironments(s)['p/a']!;
  assert.deepEqual(a.shared_networks, []);
  assert.deepEqual(a.services.web!.addresses, []);
  assert.deepEqual(s.shared_networks.n!.referenced_by, []);
});

test('parseState: a state without hosts.local gets an empty one', () => {
  const s = parseState(JSON.stringify({ version: 2, subnet_counter: 1, hosts: {}, shared_networks: {} }), FILE);
  assert.deepEqual(localEnvironments(s), {});
  assert.equal(s.subnet_counter, 1);
});

test('v1 migration: a v1 file without shared_networks becomes v2 and keeps everything', () => {
  const v1 = { version: 1, subnet_counter: 3, hosts: { local: { environments: { 'shop/dev': env('dev', 'shop') } } } };
  const s = parseState(JSON.stringify(v1), FILE);
  assert.equal(s.version, 2);
  assert.equal(s.subnet_counter, 3);
  assert.deepEqual(s.shared_networks, {});
  assert.deepEqual(localEnvironments(s), { 'shop/dev': { ...env('dev', 'shop') } });
});

test('v1 migration: a file with no version field is read as v1', () => {
  const s = parseState(
    JSON.stringify({ subnet_counter: 2, hosts: { local: { environments: { 'p/a': env('a', 'p') } } } }),
    FILE,
  );
  assert.equal(s.version, 2);
  assert.deepEqual(s.shared_networks, {});
  assert.equal(localEnvironments(s)['p/a']!.name, 'a');
});

test('v1 migration: top-level environments keyed by name move under hosts.local keyed <project>/<name>', () => {
  const v1 = {
    version: 1,
    subnet_counter: 2,
    environments: {
      dev: env('dev', 'shop'),
      staging: env('staging', 'blog', { subnet: '10.224.1.0/24' }),
    },
  };
  const s = parseState(JSON.stringify(v1), FILE);
  assert.equal(s.version, 2);
  assert.deepEqual(Object.keys(localEnvironments(s)).sort(), ['blog/staging', 'shop/dev']);
  assert.equal(localEnvironments(s)['blog/staging']!.subnet, '10.224.1.0/24');
  assert.equal((s as unknown as Record<string, unknown>).environments, undefined, 'the top-level map is gone');
  assert.equal(findEnvByName(s, 'dev')?.[0], 'shop/dev');
  assert.deepEqual(s.shared_networks, {});
});

test('v1 migration: top-level environments merge with hosts.local ones; an existing key is not overwritten', () => {
  const v1 = {
    version: 1,
    hosts: { local: { environments: { 'shop/dev': env('dev', 'shop', { subnet: '10.224.5.0/24' }) } } },
    environments: { dev: env('dev', 'shop', { subnet: '10.224.9.0/24' }), other: env('other', 'shop') },
  };
  const s = parseState(JSON.stringify(v1), FILE);
  assert.deepEqual(Object.keys(localEnvironments(s)).sort(), ['shop/dev', 'shop/other']);
  assert.equal(localEnvironments(s)['shop/dev']!.subnet, '10.224.5.0/24');
});

test('v1 migration: a top-level environment without a project keeps a consistent key and project', () => {
  const noProject: Record<string, unknown> = env('solo', 'x');
  delete noProject.project;
  const s = parseState(JSON.stringify({ version: 1, environments: { solo: noProject } }), FILE);
  const found = findEnvByName(s, 'solo');
  assert.ok(found, 'still found by name');
  const [key, e] = found;
  // Whatever project the migration picks, the key must be the one every other code path computes.
  assert.equal(typeof e.project, 'string');
  assert.equal(key, envKey(e.project, e.name));
});

test('invalid JSON: error names the file and says it was left untouched', () => {
  const err = throwsStateError(() => parseState('{"version": 2, "hosts": ', FILE), /not valid JSON/);
  assert.match(err.hint!, /untouched/);
});

test('empty file and non-object JSON are errors naming the file', () => {
  throwsStateError(() => parseState('', FILE), /not valid JSON/);
  throwsStateError(() => parseState('[1,2]', FILE), /JSON object/);
  throwsStateError(() => parseState('null', FILE), /JSON object/);
  throwsStateError(() => parseState('"v2"', FILE), /JSON object/);
});

test('a future version (3) is an error that names the file and says to upgrade', () => {
  const err = throwsStateError(() => parseState(JSON.stringify({ ...emptyState(), version: 3 }), FILE), /version 3/);
  assert.match(err.message, /newer/);
  assert.match(err.hint!, /upgrade/i);
});

test('an invalid version is an error naming the file', () => {
  for (const v of ['2', 0, -1, 1.5, true])
    throwsStateError(() => parseState(JSON.stringify({ ...emptyState(), version: v }), FILE), /invalid version/);
});

test('a malformed environment entry is an error naming the file and the key', () => {
  const base = emptyState();
  for (const bad of [null, 'dev', 42, [], { project: 'p' }, { name: 7 }]) {
    const text = JSON.stringify({ ...base, hosts: { local: { environments: { 'p/dev': bad } } } });
    throwsStateError(() => parseState(text, FILE), /malformed environment entry "p\/dev"/);
  }
});

test('a malformed top-level v1 environment is a state file error too, not a crash', () => {
  for (const bad of [null, 'dev', 5]) {
    const text = JSON.stringify({ version: 1, environments: { dev: bad } });
    throwsStateError(() => parseState(text, FILE), /malformed environment entry/);
  }
});

test('malformed structures are errors naming the file, not crashes (a later write would lose them)', () => {
  const cases: [unknown, RegExp][] = [
    [{ version: 2, hosts: { local: 5 } }, /malformed hosts\.local/],
    [{ version: 1, hosts: { local: 'x' } }, /malformed hosts\.local/],
    [{ version: 1, hosts: { local: 'x' }, environments: { a: env('a', 'p') } }, /malformed hosts\.local/],
    [{ version: 2, hosts: { local: { environments: [env('a', 'p')] } } }, /malformed hosts\.local\.environments/],
    [
      { version: 2, hosts: { local: { environments: { 'p/a': { name: 'a', services: 'web' } } } } },
      /"p\/a" \(services\)/,
    ],
    [
      { version: 2, hosts: { local: { environments: { 'p/a': { name: 'a', services: { web: null } } } } } },
      /"p\/a" \(service "web"\)/,
    ],
    [{ version: 2, shared_networks: { n: null } }, /malformed shared network entry "n"/],
    [{ version: 2, shared_networks: ['cilo-shared-db'] }, /malformed shared_networks/],
  ];
  for (const [raw, re] of cases) throwsStateError(() => parseState(JSON.stringify(raw), FILE), re);
});

test('envKey and findEnvByName', () => {
  assert.equal(envKey('shop', 'dev'), 'shop/dev');
  const s = emptyState();
  localEnvironments(s)['shop/dev'] = env('dev', 'shop') as never;
  assert.equal(findEnvByName(s, 'dev')?.[0], 'shop/dev');
  assert.equal(findEnvByName(s, 'shop'), undefined);
});
