// lib/core/use-cases/run.ts over the fake engine: what Compose does decides the exit code. cilo's own work
// after Compose (recording what runs, DNS) can fail — a lock held too long, an answer it cannot read — and is
// then a warning that says how to repair, never a failed command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { selectorOf } from '../../../lib/compose/command.ts';
import { resolveProject } from '../../../lib/compose/resolve.ts';
import { runManaged } from '../../../lib/core/use-cases/run.ts';
import { hostsDir, refreshRecords } from '../../../lib/dns/hostsdir.ts';
import { localEnvironments, type State } from '../../../lib/state/schema.ts';
import { stateLockFile } from '../../../lib/state/paths.ts';
import { FakeEngine, fakeContext } from '../../fakes.ts';
import { flockHolder, tempDir } from '../../helpers.ts';

function setup(t: TestContext) {
  const dir = join(tempDir(t), 'shop');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), 'x-cilo: {}\nservices:\n  web:\n    image: x\n');
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine, { cwd: dir, settings: { lockTimeoutMs: 300 } });
  const project = resolveProject({ files: [], envFiles: [], profiles: [] }, dir, {})!;
  const cmd = { selector: selectorOf(project), project, subcommand: 'up', args: ['-d'] };
  return { engine, ctx, cmd };
}

const lockIsHeld = (file: string) => spawnSync('flock', ['-n', file, 'true']).status === 1;

test("a lock held past its timeout after a successful up -d: Compose's exit code stands, the warning names the fix", async (t) => {
  const { engine, ctx, cmd } = setup(t);
  // While Compose "runs", another process takes the state lock and keeps it: the observation after times out.
  engine.onCompose = async () => {
    await flockHolder(t, stateLockFile(ctx.home), 30);
    return { code: 0, signal: null };
  };
  const r = await runManaged(ctx, cmd);
  assert.ok(lockIsHeld(stateLockFile(ctx.home)), 'the lock really was held');
  assert.deepEqual(r.result, { code: 0, signal: null }, "Compose's result");
  const warning = ctx.logged.find((l) => l.startsWith('warn: recording what'));
  assert.match(warning ?? '', /timed out waiting for the lock .*Compose's own result stands\. Run 'cilo doctor --fix'/);
});

test("an answer cilo cannot read after Compose succeeded (a bug): Compose's result stands, the stack is shown", async (t) => {
  const { engine, ctx, cmd } = setup(t);
  // Once Compose has run, the engine describes a container on the network without its address.
  engine.onCompose = () => {
    for (const n of engine.networks) n.Containers = { c9: { Name: 'broken' } } as never;
    return { code: 0, signal: null };
  };
  const r = await runManaged(ctx, cmd);
  assert.deepEqual(r.result, { code: 0, signal: null });
  const warning = ctx.logged.find((l) => l.startsWith('warn: recording what')) ?? '';
  assert.match(warning, /internal error \(a bug in cilo\): TypeError/);
  assert.match(warning, /\n\s+at /, 'with its stack');
});

test("Compose's own failure is Compose's exit code, and a first up that failed is undone", async (t) => {
  const { engine, ctx, cmd } = setup(t);
  engine.onCompose = (args) => ({ code: args.includes('up') ? 17 : 0, signal: null });
  const r = await runManaged(ctx, cmd);
  assert.equal(r.result.code, 17);
  assert.deepEqual(Object.keys(ctx.store.read().hosts.local!.environments), [], 'the registration was undone');
  assert.deepEqual(engine.networks, [], 'and its network removed');
});

/** As the watcher of an attached `up` records it: `shop` running, web at 10.224.0.3 (and, if `render`, served). */
async function servedWhileComposeRuns(ctx: ReturnType<typeof setup>['ctx'], render: boolean): Promise<void> {
  const state = await ctx.store.update((s: State) => {
    const env = Object.values(localEnvironments(s)).find((e) => e.name === 'shop')!;
    env.status = 'running';
    env.services.web!.addresses = ['10.224.0.3'];
    return s;
  });
  if (render) await refreshRecords(ctx, state);
}

const served = (home: string) => readdirSync(hostsDir(home));

test('a first up undone after its names were served (the watcher of an attached up): the names go with it', async (t) => {
  const { engine, ctx, cmd } = setup(t);
  engine.onCompose = async (args) => {
    if (!args.includes('up')) return { code: 0, signal: null };
    await servedWhileComposeRuns(ctx, true);
    assert.deepEqual(served(ctx.home), ['shop'], 'served while Compose ran');
    return { code: 17, signal: null };
  };
  const r = await runManaged(ctx, { ...cmd, args: [] });
  assert.equal(r.result.code, 17);
  assert.deepEqual(Object.keys(ctx.store.read().hosts.local!.environments), [], 'the registration was undone');
  assert.deepEqual(served(ctx.home), [], 'and its names are no longer served');
});

test('a first up the user stopped is not undone, even when Compose crashed on the signal (exit 2)', async (t) => {
  const { engine, ctx, cmd } = setup(t);
  engine.onCompose = (args) =>
    args.includes('up') ? { code: 2, signal: null, interrupted: 'SIGTERM' } : { code: 0, signal: null };
  const r = await runManaged(ctx, { ...cmd, args: [] });
  assert.equal(r.result.code, 2, "Compose's exit code");
  assert.ok(!engine.calls.some((c) => c.includes('down')), 'no undo ran');
  assert.deepEqual(
    Object.values(ctx.store.read().hosts.local!.environments).map((e) => e.name),
    ['shop'],
    'the environment stays known: destroy removes what Compose left',
  );
});

test('the observation after Compose renders the records a failed render of the watcher left behind', async (t) => {
  const { engine, ctx, cmd } = setup(t);
  engine.onCompose = async (args) => {
    if (!args.includes('up')) return { code: 0, signal: null };
    // The watcher recorded web running, and its render failed (a lock, a full disk): nothing is served.
    await servedWhileComposeRuns(ctx, false);
    const net = engine.networks.find((n) => n.Name.startsWith('cilo-shop'))!.Name;
    engine.addContainer(
      'shop-web-1',
      { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
      {
        [net]: '10.224.0.3',
      },
    );
    return { code: 0, signal: null };
  };
  await runManaged(ctx, cmd);
  assert.deepEqual(served(ctx.home), ['shop'], 'the state did not change, and still the names are served');
});

test('a subcommand cilo does not know fails closed on a cilo project: nothing is asked, run or written', async (t) => {
  const { engine, ctx, cmd } = setup(t);
  await assert.rejects(
    runManaged(ctx, { ...cmd, subcommand: 'frobnicate', args: [] }),
    (e: Error) =>
      /cilo does not know 'docker compose frobnicate', so it does not run it on shop/.test(e.message) &&
      /docker compose -p shop frobnicate/.test((e as { hint?: string }).hint ?? ''),
  );
  assert.deepEqual(engine.calls, [], 'no docker call');
  assert.equal(ctx.store.read().revision ?? 0, 0, 'state untouched');
});
