// lib/core/use-cases/lifecycle.ts over the fake engine: create, up and down of a registered environment, the Docker
// calls they make, and how often `cilo up` reads the state file (at most three times: the load, the locked
// registration, the locked observation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import YAML from 'yaml';
import { createEnvironment, downEnvironment, upEnvironment } from '../../../lib/core/use-cases/lifecycle.ts';
import { localEnvironments } from '../../../lib/state/schema.ts';
import { FakeEngine, fakeContext } from '../../fakes.ts';
import { tempDir } from '../../helpers.ts';

/** A project dir with two services; the engine "runs" them on the addresses cilo's override gives. */
function setup(t: TestContext) {
  const dir = join(tempDir(t), 'shop');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'compose.yaml'),
    'services:\n  web:\n    image: x\n    ports: ["8080:80"]\n  db:\n    image: y\n',
  );
  const engine = new FakeEngine();
  engine.composeConfig = { services: { web: { networks: { default: null } }, db: { networks: { default: null } } } };
  engine.onCompose = (args) => {
    const override = args[args.indexOf('-f', args.lastIndexOf('-f')) + 1]!;
    const sub = args[args.indexOf('-p') + 2];
    if (sub === 'up') {
      const o = YAML.parse(readFileSync(override, 'utf8').replace('!reset', '')) as {
        services: Record<string, { networks: Record<string, { ipv4_address?: string }> }>;
      };
      for (const [svc, s] of Object.entries(o.services))
        engine.addContainer(
          `dev-${svc}-1`,
          { 'com.docker.compose.project': 'dev', 'com.docker.compose.service': svc },
          { 'cilo-dev': s.networks.default!.ipv4_address! },
        );
    }
    if (sub === 'down') engine.containers = [];
    return { code: 0, signal: null };
  };
  return { dir, engine, ctx: fakeContext(t, engine, { cwd: dir }) };
}

/** Counts reads of any state.json while fn runs (every reader, whatever module it goes through). */
async function countStateReads<T>(fn: () => Promise<T>): Promise<{ value: T; reads: number }> {
  const original = fs.readFileSync;
  let reads = 0;
  fs.readFileSync = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (String(path).endsWith('state.json')) reads++;
    return (original as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    return { value: await fn(), reads };
  } finally {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  }
}

test('create registers without Docker networks; up creates the network, runs Compose with the override, records addresses', async (t) => {
  const { dir, engine, ctx } = setup(t);
  const created = await createEnvironment(ctx, { name: 'dev', from: dir, sharedNetworks: [] });
  assert.equal(created.key, 'shop/dev');
  assert.equal(created.record.status, 'created');
  assert.equal(engine.networks.length, 0, 'create makes no network');
  engine.calls.length = 0;

  const { value: up, reads } = await countStateReads(() =>
    upEnvironment(ctx, { name: 'dev', createShared: false, composeArgs: [] }),
  );
  assert.ok(reads <= 3, `cilo up read state.json ${reads} times`);
  assert.ok(
    reads >= 2,
    `the count sees the reads (${reads}): the registration and the observation read under the lock`,
  );
  assert.equal(up.record.status, 'running');
  for (const s of Object.values(up.record.services))
    assert.deepEqual(s.addresses, [s.ip], `${s.name} runs on its static address`);
  assert.deepEqual(up.state, ctx.store.read(), 'up returns the state it wrote');
  assert.deepEqual(
    engine.networks.map((n) => [n.Name, n.IPAM.Config[0]!.Subnet]),
    [['cilo-dev', created.record.subnet]],
  );
  const compose = engine.calls.find((c) => c[0] === 'compose' && c.includes('up'))!;
  assert.deepEqual(compose, [
    'compose',
    '-f',
    join(dir, 'compose.yaml'),
    '-f',
    join(ctx.home, 'envs', 'dev', 'override.yml'),
    '-p',
    'dev',
    'up',
    '-d',
  ]);
});

test('up of a running environment again: same addresses, nothing new in Docker; down: stopped, network kept', async (t) => {
  const { dir, engine, ctx } = setup(t);
  await createEnvironment(ctx, { name: 'dev', from: dir, sharedNetworks: [] });
  const first = await upEnvironment(ctx, { name: 'dev', createShared: false, composeArgs: [] });
  engine.containers = [];
  const again = await upEnvironment(ctx, { name: 'dev', createShared: false, composeArgs: [] });
  assert.deepEqual(again.record.services, first.record.services);
  assert.equal(engine.networks.length, 1);
  const down = await downEnvironment(ctx, 'dev');
  assert.equal(down.record.status, 'stopped');
  for (const s of Object.values(down.record.services)) assert.deepEqual(s.addresses, []);
  assert.equal(engine.networks.length, 1, 'down keeps the network');
  assert.equal(localEnvironments(ctx.store.read())['shop/dev']!.status, 'stopped');
});

test('up against an engine that does not answer fails before writing anything', async (t) => {
  const { dir, engine, ctx } = setup(t);
  await createEnvironment(ctx, { name: 'dev', from: dir, sharedNetworks: [] });
  const before = readFileSync(join(ctx.home, 'state.json'));
  engine.down = true;
  await assert.rejects(
    upEnvironment(ctx, { name: 'dev', createShared: false, composeArgs: [] }),
    /the Docker engine of this machine does not answer/,
  );
  assert.deepEqual(readFileSync(join(ctx.home, 'state.json')), before, 'state.json is byte for byte as it was');
});

test("registering looks up the subnets of foreign networks only: cilo's own are in state (inspect costs grow with networks)", async (t) => {
  const { dir, engine, ctx } = setup(t);
  engine.addNetwork('corp', '10.224.0.0/24', {});
  await createEnvironment(ctx, { name: 'dev', from: dir, sharedNetworks: [] });
  const first = await upEnvironment(ctx, { name: 'dev', createShared: false, composeArgs: [] });
  assert.equal(first.record.subnet, '10.224.1.0/24', 'the foreign network was seen');
  engine.described.length = 0;
  await createEnvironment(ctx, { name: 'qa', from: dir, sharedNetworks: [] });
  assert.deepEqual(engine.described, ['corp'], 'only the network state does not know');
});
