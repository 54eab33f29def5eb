// lib/core/use-cases/destroy.ts: the destroy decision (pure, on a State), and a destroy over the fake engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDestroy, destroyEnvironment } from '../../../lib/core/use-cases/destroy.ts';
import { emptyState, localEnvironments, type Environment, type State } from '../../../lib/state/schema.ts';
import { UserError } from '../../../lib/errors/index.ts';
import { homeId } from '../../../lib/state/paths.ts';
import { envRecord, FakeEngine, fakeContext } from '../../fakes.ts';

const env = (name: string, over: Partial<Environment> = {}) => envRecord(name, { source: '/nonexistent/src', ...over });

function world(): State {
  const s = emptyState();
  localEnvironments(s)['p/db'] = env('db', { shared_subnet: '10.224.1.0/24', create_shared: true });
  localEnvironments(s)['p/a'] = env('a', { subnet: '10.224.2.0/24', shared_networks: ['cilo-shared-db'] });
  s.shared_networks['cilo-shared-db'] = {
    name: 'cilo-shared-db',
    created_by: 'p/db',
    created_at: '',
    referenced_by: ['p/db', 'p/a'],
    subnet: '10.224.1.0/24',
  };
  return s;
}

test('refused while others reference what it publishes, naming them, changing nothing', () => {
  const s = world();
  const before = JSON.stringify(s);
  assert.throws(
    () => decideDestroy(s, 'db', false, 'now'),
    (e: unknown) =>
      e instanceof UserError &&
      /cannot destroy p\/db: shared network cilo-shared-db is used by: p\/a/.test(e.message) &&
      /--force/.test(e.hint ?? ''),
  );
  assert.equal(JSON.stringify(s), before);
});

test('consumers on other engines are named with their engine', () => {
  const s = world();
  s.hosts['tcp://e2:2375'] = {
    environments: { 'p/b': env('b', { subnet: '10.224.3.0/24', shared_networks: ['cilo-shared-db'] }) },
  };
  s.shared_networks['cilo-shared-db']!.referenced_by.push('p/b');
  assert.throws(
    () => decideDestroy(s, 'db', false, 'now'),
    /is used by: p\/a \(on engine local\), p\/b \(on engine tcp:\/\/e2:2375\)$/,
  );
});

test('with --force: consumers marked broken, the environment destroying; a consumer destroys freely', () => {
  const s = world();
  const d = decideDestroy(s, 'db', true, 'now');
  assert.deepEqual(d.consumers, { 'cilo-shared-db': ['p/a'] });
  assert.equal(d.record.status, 'destroying');
  assert.equal(localEnvironments(s)['p/db']!.status, 'destroying');
  assert.deepEqual(localEnvironments(s)['p/a']!.broken_shared_networks, ['cilo-shared-db']);
  const c = decideDestroy(world(), 'a', false, 'now');
  assert.deepEqual(c.consumers, {});
});

test('an unknown name is a user error', () => {
  assert.throws(() => decideDestroy(emptyState(), 'ghost', false, 'now'), /no environment named ghost/);
});

test('destroy over the engine: containers and both networks removed, state entry gone, consumers keep their record', async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  await ctx.store.update((s) => Object.assign(s, world()));
  const labels = { 'cilo.managed': 'true', 'cilo.env': 'db', 'cilo.home': homeId(ctx.home) };
  engine.addNetwork('cilo-db', '10.224.0.0/24', labels);
  engine.addNetwork('cilo-shared-db', '10.224.1.0/24', { ...labels, 'cilo.shared': 'true' });
  engine.addContainer(
    'db-postgres-1',
    { 'com.docker.compose.project': 'db', 'cilo.env': 'db' },
    { 'cilo-db': '10.224.0.2', 'cilo-shared-db': '10.224.1.2' },
  );
  engine.addContainer(
    'a-app-1',
    { 'com.docker.compose.project': 'a', 'cilo.env': 'a' },
    { 'cilo-a': '10.224.2.2', 'cilo-shared-db': '10.224.1.9' },
  );
  const report = await destroyEnvironment(ctx, 'db', { force: true });
  assert.equal(report.key, 'p/db');
  assert.deepEqual(
    engine.networks.map((n) => n.Name),
    [],
  );
  assert.deepEqual(
    engine.containers.map((c) => c.Name),
    ['/a-app-1'],
    "the consumer's container keeps running",
  );
  assert.ok(
    engine.asked.includes(`disconnect cilo-shared-db ${engine.containers[0]!.Id}`),
    'the consumer is disconnected first',
  );
  const s = ctx.store.read();
  assert.deepEqual(Object.keys(localEnvironments(s)), ['p/a']);
  assert.deepEqual(s.shared_networks['cilo-shared-db']?.referenced_by, ['p/a']);
  assert.deepEqual(report.state, s, 'the state returned is the one written');
  assert.ok(ctx.logged.some((l) => /destroying cilo-shared-db breaks p\/a/.test(l)));
});
