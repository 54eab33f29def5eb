// lib/core/use-cases/doctor/doctor.ts and doctor-checks.ts over the fake engine: every kind of finding from one crafted
// look at state and Docker, nothing reported for another CILO_HOME's objects, and repairs that re-check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, repair } from '../../../../lib/core/use-cases/doctor/doctor.ts';
import { homeId } from '../../../../lib/state/paths.ts';
import { localEnvironments, type Environment } from '../../../../lib/state/schema.ts';
import { envRecord, FakeEngine, fakeContext } from '../../../fakes.ts';

const env = (name: string, over: Partial<Environment> = {}) => envRecord(name, over);

test('each kind of drift is found once, with what --fix will do; other homes are not reported', async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  const ours = { 'cilo.managed': 'true', 'cilo.home': homeId(ctx.home) };
  const theirs = { 'cilo.managed': 'true', 'cilo.home': 'another-home' };
  await ctx.store.update((s) => {
    const envs = localEnvironments(s);
    envs['p/halted'] = env('halted', { status: 'destroying' });
    envs['p/nonet'] = env('nonet', { status: 'stopped' });
    envs['p/drift'] = env('drift', {
      services: {
        app: { name: 'app', dns_name: 'app.drift.test', ip: '10.224.0.2', addresses: ['10.224.0.2'], replicas: 1 },
      },
    });
    envs['p/fresh'] = env('fresh', { status: 'created' });
    s.shared_networks['corp'] = { name: 'corp', created_by: 'external', created_at: '', referenced_by: ['p/gone'] };
    s.shared_networks['cilo-shared-ghost'] = {
      name: 'cilo-shared-ghost',
      created_by: 'p/ghost',
      created_at: '',
      referenced_by: ['p/ghost', 'p/drift'],
    };
  });
  engine.addNetwork('cilo-drift', '10.224.0.0/24', { ...ours, 'cilo.env': 'drift' });
  engine.addNetwork('cilo-old', '10.224.5.0/24', { ...ours, 'cilo.env': 'old' });
  engine.addNetwork('cilo-others', '10.224.6.0/24', { ...theirs, 'cilo.env': 'others' });
  engine.addNetwork('cilo-shared-ghost', '10.224.7.0/24', { ...ours, 'cilo.env': 'ghost', 'cilo.shared': 'true' });
  engine.addNetwork('cilo-twice', '10.224.8.0/24', { ...ours, 'cilo.env': 'drift' });
  engine.addNetwork('cilo-twice', '10.224.9.0/24', { ...ours, 'cilo.env': 'drift' });
  engine.addContainer(
    'old-app-1',
    { ...ours, 'cilo.env': 'old', 'com.docker.compose.project': 'old' },
    { 'cilo-old': '10.224.5.2' },
  );
  engine.addContainer('others-app-1', { ...theirs, 'cilo.env': 'others' }, { 'cilo-others': '10.224.6.2' });

  const findings = await diagnose(ctx);
  assert.deepEqual(findings.map((f) => `${f.kind} ${f.subject}`).sort(), [
    'dns-stale drift', // state says it runs with an address; no record file serves it
    'duplicate-network cilo-twice',
    'env-network-missing p/nonet',
    'orphan-container old-app-1',
    'orphan-network cilo-old',
    'orphan-network cilo-shared-ghost',
    'publisher-gone cilo-shared-ghost',
    'stale-reference cilo-shared-ghost',
    'stale-reference corp',
    'status-drift p/drift',
    'stuck-destroying p/halted',
  ]);
  for (const f of findings) assert.ok(f.problem && f.fix, `${f.kind} says what is wrong and what --fix does`);
  assert.match(
    findings.find((f) => f.kind === 'status-drift')!.problem,
    /recorded as running with addresses \[10\.224\.0\.2\], Docker runs \[\]/,
  );
});

test('--fix: orphans removed, references dropped, the network of a gone publisher removed and its consumers marked broken', async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  const ours = { 'cilo.managed': 'true', 'cilo.home': homeId(ctx.home) };
  await ctx.store.update((s) => {
    localEnvironments(s)['p/a'] = env('a', { status: 'created', shared_networks: ['cilo-shared-ghost'] });
    s.shared_networks['corp'] = { name: 'corp', created_by: 'external', created_at: '', referenced_by: ['p/gone'] };
    s.shared_networks['cilo-shared-ghost'] = {
      name: 'cilo-shared-ghost',
      created_by: 'p/ghost',
      created_at: '',
      referenced_by: ['p/ghost', 'p/a'],
      subnet: '10.224.7.0/24',
    };
  });
  engine.addNetwork('cilo-old', '10.224.5.0/24', { ...ours, 'cilo.env': 'old' });
  engine.addNetwork('cilo-shared-ghost', '10.224.7.0/24', { ...ours, 'cilo.env': 'ghost', 'cilo.shared': 'true' });
  engine.addNetwork('not-cilos', '10.230.0.0/24', {});
  engine.addContainer(
    'old-app-1',
    { ...ours, 'cilo.env': 'old', 'com.docker.compose.project': 'old' },
    { 'cilo-old': '10.224.5.2' },
  );

  const { findings: fixed, bugs } = await repair(ctx, await diagnose(ctx));
  assert.deepEqual(bugs, []);
  assert.ok(
    fixed.every((f) => f.fixed),
    JSON.stringify(fixed),
  );
  assert.deepEqual(
    engine.networks.map((n) => n.Name),
    ['not-cilos'],
  );
  assert.deepEqual(engine.containers, []);
  const s = ctx.store.read();
  assert.equal(s.shared_networks['corp'], undefined);
  assert.deepEqual(s.shared_networks['cilo-shared-ghost'], {
    name: 'cilo-shared-ghost',
    created_by: 'p/ghost',
    created_at: '',
    referenced_by: ['p/a'],
  });
  assert.deepEqual(localEnvironments(s)['p/a']!.broken_shared_networks, ['cilo-shared-ghost']);
  assert.deepEqual(await diagnose(ctx), []);
});

test('a repair re-checks: an orphan network adopted meanwhile by an environment is left alone', async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  engine.addNetwork('cilo-late', '10.224.5.0/24', {
    'cilo.managed': 'true',
    'cilo.home': homeId(ctx.home),
    'cilo.env': 'late',
  });
  const findings = await diagnose(ctx);
  assert.deepEqual(
    findings.map((f) => f.kind),
    ['orphan-network'],
  );
  await ctx.store.update((s) => void (localEnvironments(s)['p/late'] = env('late', { status: 'created' })));
  await repair(ctx, findings);
  assert.deepEqual(
    engine.networks.map((n) => n.Name),
    ['cilo-late'],
  );
});

test('two engines: findings name theirs; one that does not answer is a finding of its own, and --fix changes nothing there', async (t) => {
  const E2 = 'tcp://engine2:2375';
  const engine = new FakeEngine();
  const e2 = new FakeEngine();
  engine.others[E2] = e2;
  const ctx = fakeContext(t, engine);
  const ours = { 'cilo.managed': 'true', 'cilo.home': homeId(ctx.home) };
  await ctx.store.update((s) => {
    s.hosts[E2] = { environments: { 'p/far': env('far', { status: 'stopped' }) }, engine: { docker_host: E2 } };
  });
  e2.addNetwork('cilo-far', '10.224.0.0/24', { ...ours, 'cilo.env': 'far' });
  e2.addNetwork('cilo-lost', '10.224.3.0/24', { ...ours, 'cilo.env': 'lost' });
  e2.addNetwork('cilo-shared-lost', '10.224.4.0/24', { ...ours, 'cilo.env': 'lost' }, 'swarm');
  const found = await diagnose(ctx);
  assert.deepEqual(
    found.map((f) => [f.kind, f.subject, f.engine]),
    [['orphan-network', 'cilo-lost', E2]],
    "an overlay a worker sees is the manager's to judge",
  );

  engine.others[E2] = null;
  const before = JSON.stringify(ctx.store.read());
  const { findings: repaired } = await repair(ctx, await diagnose(ctx));
  assert.deepEqual(
    repaired.map((f) => [f.kind, f.subject, f.fixed]),
    [['engine-unreachable', E2, false]],
  );
  assert.match(
    repaired[0]!.problem,
    /engine tcp:\/\/engine2:2375 does not answer \(Cannot connect.*\): its 1 environment was not checked/,
  );
  assert.match(repaired[0]!.error!, /still no answer: .*; nothing was changed there/);
  assert.equal(JSON.stringify(ctx.store.read()), before);
  assert.deepEqual(
    e2.networks.map((n) => n.Name),
    ['cilo-far', 'cilo-lost', 'cilo-shared-lost'],
  );
});

test("duplicate networks: --fix removes this home's empty ones, never another home's", async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  await ctx.store.update((s) => void (localEnvironments(s)['p/twice'] = env('twice', { status: 'created' })));
  const ours = { 'cilo.managed': 'true', 'cilo.home': homeId(ctx.home), 'cilo.env': 'twice' };
  const theirs = { ...ours, 'cilo.home': 'another-home' };
  engine.addNetwork('cilo-twice', '10.224.0.0/24', ours);
  engine.addNetwork('cilo-twice', '10.224.8.0/24', ours);
  engine.addNetwork('cilo-twice', '10.224.9.0/24', theirs);
  const findings = (await diagnose(ctx)).filter((f) => f.kind === 'duplicate-network');
  assert.deepEqual(
    findings.map((f) => f.subject),
    ['cilo-twice'],
  );
  await repair(ctx, findings);
  assert.deepEqual(
    engine.networks.map((n) => `${n.Name} ${n.Labels['cilo.home'] === 'another-home' ? 'theirs' : 'ours'}`),
    ['cilo-twice ours', 'cilo-twice theirs'],
    "the first is kept; the other of this home's goes; another home's stays",
  );
});
