// lib/core/plan/register.ts: the locked decision of prepare, step by step, on plain State objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throwsUserError } from '../../helpers.ts';
import {
  addRecord,
  checkReuse,
  isExported,
  publish,
  publishes,
  recordJoins,
  register,
  serviceRecords,
  type PlanInputs,
} from '../../../lib/core/plan/register.ts';
import {
  withDefaultNetwork,
  type NetworkModel,
  type ProjectModel,
  type ServiceModel,
} from '../../../lib/compose/model.ts';
import { parsePool } from '../../../lib/settings.ts';
import { emptyState, localEnvironments, type Environment, type State } from '../../../lib/state/schema.ts';

const LOCAL = { name: 'local', endpoint: { context: 'default' } };

const svc = (name: string, over: Partial<ServiceModel> = {}): ServiceModel => ({
  name,
  networks: ['default'],
  pinnedAddresses: {},
  ipv6On: [],
  replicas: 1,
  hasContainerName: false,
  ports: [],
  ...over,
});
/** A project of these services on the implicit default network (and `networks`). */
const model = (services: ServiceModel[], networks: NetworkModel[] = []): ProjectModel => ({
  services,
  networks: withDefaultNetwork(services, networks),
  volumes: [],
});

function input(over: Partial<PlanInputs> = {}): PlanInputs {
  return {
    name: 'dev',
    source: '/src/My_Shop',
    suffix: 'test',
    model: model([svc('web'), svc('db')]),
    joined: [],
    createShared: undefined,
    pool: parsePool({}),
    networkPrefix: 26,
    foreignSubnets: [],
    access: 'routed',
    ports: { first: 24000, last: 27999 },
    foreignPorts: [],
    home: '/home/tester/.cilo',
    engine: LOCAL,
    now: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

const userError = throwsUserError;

test('a first registration: key <project>/<name>, project from the normalized directory name, the lowest free subnet', () => {
  const s = emptyState();
  const r = register(s, input({ foreignSubnets: ['10.224.0.0/24'] }));
  assert.equal(r.key, 'my-shop/dev');
  assert.equal(r.registeredNow, true);
  assert.equal(r.record.subnet, '10.224.1.0/24', 'a Docker network holds the first one');
  assert.equal(r.record.status, 'created');
  assert.equal(r.record.updated_at, '2026-12-01T00:00:00.000Z');
  assert.equal(s.subnet_counter, 1);
  assert.deepEqual(localEnvironments(s)['my-shop/dev'], r.record);
  assert.notEqual(localEnvironments(s)['my-shop/dev'], r.record, 'the record returned is a copy');
  const second = register(s, input({ name: 'qa' }));
  assert.equal(second.record.subnet, '10.224.0.0/24', 'the lowest subnet held by nobody');
});

test('addRecord: an explicit project wins; an invalid one is refused', () => {
  const [key] = addRecord(emptyState(), input({ project: { value: 'shop', from: '--project' } }));
  assert.equal(key, 'shop/dev');
  userError(
    () => addRecord(emptyState(), input({ project: { value: 'Shop', from: '--project' } })),
    /invalid project name "Shop"/,
  );
});

test('checkReuse: another source, a destroy in flight, another project, or cilo create of a known name are refused', () => {
  const env = { name: 'dev', project: 'shop', source: '/src/shop', status: 'stopped' } as Environment;
  assert.doesNotThrow(() => checkReuse(env, input({ source: '/src/shop' })));
  userError(
    () => checkReuse(env, input({ source: '/src/other' })),
    /environment dev belongs to \/src\/shop, not \/src\/other/,
  );
  userError(() => checkReuse({ ...env, status: 'destroying' }, input({ source: '/src/shop' })), /is being destroyed/);
  userError(
    () => checkReuse(env, input({ source: '/src/shop', project: { value: 'web', from: 'x-cilo.project' } })),
    /registered under project shop, but x-cilo.project says web/,
  );
  userError(
    () => checkReuse(env, input({ source: '/src/shop', mustBeNew: true })),
    /environment dev already exists \(source \/src\/shop\)/,
  );
});

test('a second use keeps the subnet and addresses; updated_at moves only when something changed', () => {
  const s = emptyState();
  const first = register(s, input());
  const again = register(s, input({ now: '2026-12-02T00:00:00.000Z' }));
  assert.equal(again.registeredNow, false);
  assert.deepEqual(again.record, first.record, 'nothing changed, not even updated_at');
  const grown = register(
    s,
    input({ model: model([svc('web'), svc('db'), svc('cache')]), now: '2026-12-03T00:00:00.000Z' }),
  );
  assert.equal(grown.record.updated_at, '2026-12-03T00:00:00.000Z');
  for (const n of ['web', 'db'])
    assert.equal(grown.record.services[n]!.ip, first.record.services[n]!.ip, `${n} keeps its address`);
  assert.ok(grown.record.services.cache!.ip);
});

test('serviceRecords: static addresses for single replicas, none when scaled, network_mode services left out, normalized DNS names', () => {
  const env = { name: 'dev', subnet: '10.224.0.0/24', services: {} } as Environment;
  const recs = serviceRecords(env, {
    model: model([
      svc('web'),
      svc('api', { replicas: 2 }),
      svc('Web_Admin'),
      svc('host', { networkMode: 'host', networks: [] }),
    ]),
    scale: { web: 1 },
    suffix: 'test',
    createShared: undefined,
  });
  assert.deepEqual(Object.keys(recs).sort(), ['Web_Admin', 'api', 'web']);
  assert.equal(recs.api!.ip, undefined);
  assert.equal(recs.api!.replicas, 2);
  assert.equal(recs.Web_Admin!.dns_name, 'web-admin.dev.test');
  assert.deepEqual(new Set([recs.web!.ip, recs.Web_Admin!.ip]).size, 2);
  const scaled = serviceRecords(env, {
    model: model([svc('web')]),
    scale: { web: 3 },
    suffix: 'test',
    createShared: undefined,
  });
  assert.equal(scaled.web!.ip, undefined, '--scale web=3 takes the static address away');
});

test('publish: its own subnet, a record with the creator first; publishing again changes nothing', () => {
  const s = emptyState();
  const r = register(s, input({ createShared: true }));
  assert.equal(r.record.shared_subnet, '10.224.1.0/24');
  assert.notEqual(r.record.shared_subnet, r.record.subnet);
  assert.deepEqual(s.shared_networks['cilo-shared-dev'], {
    name: 'cilo-shared-dev',
    created_by: 'my-shop/dev',
    created_at: input().now,
    referenced_by: ['my-shop/dev'],
    subnet: '10.224.1.0/24',
  });
  for (const n of ['web', 'db']) assert.ok(r.record.services[n]!.shared_ip?.startsWith('10.224.1.'), `${n} exported`);
  const counter = s.subnet_counter;
  const before = JSON.stringify(s);
  register(s, input({ createShared: true }));
  assert.equal(JSON.stringify(s), before);
  assert.equal(s.subnet_counter, counter);
});

test('publish: a record left by a destroyed publisher is taken over with its consumers', () => {
  const s: State = emptyState();
  s.shared_networks['cilo-shared-dev'] = {
    name: 'cilo-shared-dev',
    created_by: 'my-shop/dev',
    created_at: 'then',
    referenced_by: ['web/a', 'web/b'],
  };
  const [key, env] = addRecord(s, input());
  publish(s, key, env, input({ createShared: ['db'] }));
  assert.deepEqual(s.shared_networks['cilo-shared-dev'].referenced_by, ['my-shop/dev', 'web/a', 'web/b']);
  assert.equal(s.shared_networks['cilo-shared-dev'].subnet, env.shared_subnet);
  assert.deepEqual(env.create_shared, ['db']);
});

test('the engine: recorded with its first environment, its ID once known; another engine gets its own host', () => {
  const s = emptyState();
  register(s, input());
  assert.deepEqual(s.hosts.local!.engine, { context: 'default' });
  register(s, input({ engine: { ...LOCAL, id: 'ID:ONE' } }));
  assert.deepEqual(s.hosts.local!.engine, { context: 'default', id: 'ID:ONE' });
  const e2 = { name: 'tcp://b:2375', endpoint: { docker_host: 'tcp://b:2375' }, id: 'ID:TWO' };
  const r = register(s, input({ name: 'qa', source: '/src/qa', engine: e2 }));
  assert.deepEqual(Object.keys(s.hosts['tcp://b:2375']!.environments), ['qa/qa']);
  assert.deepEqual(s.hosts['tcp://b:2375']!.engine, { docker_host: 'tcp://b:2375', id: 'ID:TWO' });
  assert.equal(r.record.subnet, '10.224.1.0/24', 'one pool for all engines');
  assert.equal(localEnvironments(s)['qa/qa'], undefined);
});

test('publish with shared-scope swarm: recorded on the environment and the network; the scope is fixed once published', () => {
  const s = emptyState();
  const r = register(s, input({ createShared: true, sharedScope: 'swarm' }));
  assert.equal(r.record.shared_scope, 'swarm');
  assert.equal(s.shared_networks['cilo-shared-dev']!.scope, 'swarm');
  assert.equal(
    register(s, input({ createShared: true })).record.shared_scope,
    'swarm',
    'files that say nothing keep it',
  );
  userError(
    () => register(s, input({ createShared: true, sharedScope: 'local' })),
    /cilo-shared-dev was published with shared-scope swarm; it cannot become local in place/,
  );
  assert.equal(
    register(emptyState(), input({ createShared: true })).record.shared_scope,
    undefined,
    'local by default',
  );
});

test('publishes / isExported', () => {
  assert.deepEqual(
    [publishes(true), publishes(['a']), publishes([]), publishes(false), publishes(undefined)],
    [true, true, false, false, false],
  );
  assert.deepEqual(
    [isExported(true, 'a'), isExported(['a'], 'a'), isExported(['a'], 'b'), isExported(undefined, 'a')],
    [true, true, false, false],
  );
});

test('recordJoins: references recorded once, broken marks cleared, a publisher being destroyed refused', () => {
  const s = emptyState();
  const [pubKey, pub] = addRecord(s, input({ name: 'db', source: '/src/db' }));
  publish(s, pubKey, pub, input({ createShared: true }));
  const [key, env] = addRecord(s, input());
  env.broken_shared_networks = ['cilo-shared-db'];
  recordJoins(s, key, env, ['cilo-shared-db', 'corp-net'], 'now');
  recordJoins(s, key, env, ['cilo-shared-db'], 'later');
  assert.deepEqual(env.shared_networks, ['cilo-shared-db', 'corp-net']);
  assert.equal(env.broken_shared_networks, undefined);
  assert.deepEqual(s.shared_networks['cilo-shared-db']!.referenced_by, ['db/db', 'my-shop/dev']);
  assert.deepEqual(s.shared_networks['corp-net'], {
    name: 'corp-net',
    created_by: 'external',
    created_at: 'now',
    referenced_by: ['my-shop/dev'],
  });
  pub.status = 'destroying';
  const [k2, e2] = addRecord(s, input({ name: 'qa' }));
  userError(
    () => recordJoins(s, k2, e2, ['cilo-shared-db'], 'now'),
    /shared network cilo-shared-db is being removed: its publisher db\/db is being destroyed/,
  );
});
