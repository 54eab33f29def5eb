// lib/core/environment/run.ts over the fake engine: what Compose does decides the exit code. cilo's own work
// after Compose (recording what runs, DNS) can fail — a lock held too long, an answer it cannot read — and is
// then a warning that says how to repair, never a failed command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { selectorOf } from '../../../lib/compose/command.ts';
import { resolveProject } from '../../../lib/compose/resolve.ts';
import { runManaged } from '../../../lib/core/environment/run.ts';
import { stateLockFile } from '../../../lib/state/paths.ts';
import { FakeEngine, fakeContext } from '../../fakes.ts';
import { flockHolder, tempDir } from '../../helpers.ts';

function setup(t: TestContext) {
  const dir = join(tempDir(t), 'shop');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), 'x-cilo: {}\nservices:\n  web:\n    image: x\n');
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine.fake.runner, { cwd: dir, settings: { lockTimeoutMs: 300 } });
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
  const answer = engine.answer.bind(engine);
  engine.answer = (args) => {
    const compose = engine.calls.some((c) => c[0] === 'compose' && c.includes('up'));
    return compose && args[0] === 'network' && args[1] === 'inspect' ? { stdout: 'not json\n' } : answer(args);
  };
  const r = await runManaged(ctx, cmd);
  assert.deepEqual(r.result, { code: 0, signal: null });
  const warning = ctx.logged.find((l) => l.startsWith('warn: recording what')) ?? '';
  assert.match(warning, /internal error \(a bug in cilo\): SyntaxError/);
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
