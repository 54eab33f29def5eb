// lib/docker/process.ts with real child processes (sh, node): captured runs, exec-like runs, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { processRunner, processRunnerReporting, processRunnerWith } from '../../lib/docker/process.ts';
import { UserError } from '../../lib/errors/index.ts';
import { tempDir } from '../helpers.ts';

const env = { PATH: process.env.PATH };

test('run captures stdout and stderr apart, byte for byte, and the exit code', async () => {
  const r = await processRunner.run('sh', ['-c', 'printf "out\\nü\\n"; printf "err" >&2; exit 3'], { env });
  assert.deepEqual(r, { code: 3, signal: null, stdout: 'out\nü\n', stderr: 'err' });
});

test('run passes arguments unchanged (no shell), stdin input, cwd and env', async (t) => {
  const dir = tempDir(t);
  const args = ['', ' ', '1.50', '--', '$HOME', '*', "'q'", 'a\nb'];
  const r = await processRunner.run(
    process.execPath,
    [
      '-e',
      'process.stdout.write(JSON.stringify([process.argv.slice(1), process.cwd(), process.env.X, require("fs").readFileSync(0, "utf8")]))',
      ...args,
    ],
    {
      env: { ...env, X: 'x=1' },
      cwd: dir,
      input: 'in\nput',
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [args, realpathSync(dir), 'x=1', 'in\nput']);
});

test('run without input gives the child an empty stdin', async () => {
  const r = await processRunner.run('sh', ['-c', 'cat; echo done'], { env });
  assert.equal(r.stdout, 'done\n');
});

test('run reports a signal death', async () => {
  const r = await processRunner.run('sh', ['-c', 'kill -TERM $$'], { env });
  assert.equal(r.signal, 'SIGTERM');
  assert.notEqual(r.code, 0);
});

test('a missing program is a UserError naming it, with a hint', async () => {
  for (const call of [
    () => processRunner.run('docker', ['version'], { env: { PATH: '/nonexistent' } }),
    () => processRunner.exec('docker', ['compose', 'up'], { env: { PATH: '/nonexistent' } }),
  ]) {
    await assert.rejects(call, (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, "'docker' was not found on PATH");
      assert.match(e.hint ?? '', /Compose v2/);
      return true;
    });
  }
  await assert.rejects(
    processRunner.run('no-such-tool-xyz', [], { env }),
    (e: unknown) => e instanceof UserError && e.message === "'no-such-tool-xyz' was not found on PATH",
  );
});

test('exec resolves with the exit code, and leaves no signal handlers behind', async () => {
  const before = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'].map((s) => process.listenerCount(s));
  const r = await processRunner.exec('sh', ['-c', 'exit 17'], { env });
  assert.deepEqual(r, { code: 17, signal: null });
  const k = await processRunner.exec('sh', ['-c', 'kill -KILL $$'], { env });
  assert.equal(k.signal, 'SIGKILL');
  assert.deepEqual(
    ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'].map((s) => process.listenerCount(s)),
    before,
  );
});

test('exec reports a SIGTERM it forwarded as the interruption, however the command then ends', async (t) => {
  // The command exits 2 on SIGTERM, as Compose 2.26 can when it panics on one during an attached `up`.
  const ready = join(tempDir(t), 'ready');
  const script = `trap "exit 2" TERM; touch '${ready}'; while :; do sleep 0.05; done`;
  const pending = processRunner.exec('sh', ['-c', script], { env });
  // The signal once the command handles it (as Compose does); our forwarder passes it on.
  for (const deadline = Date.now() + 60_000; !existsSync(ready); await new Promise((r) => setTimeout(r, 20)))
    assert.ok(Date.now() < deadline, 'the command did not start within 60 s');
  process.kill(process.pid, 'SIGTERM');
  assert.deepEqual(await pending, { code: 2, signal: null, interrupted: 'SIGTERM' });
  assert.deepEqual(await processRunner.exec('sh', ['-c', 'exit 0'], { env }), { code: 0, signal: null });
});

test('processRunnerWith: descriptors passed on at their numbers, ignored signals kept ignored, bytes kept', async (t) => {
  const dir = tempDir(t);
  const fd = openSync(join(dir, 'passed'), 'w');
  t.after(() => closeSync(fd));
  const out = join(dir, 'out');
  const runner = processRunnerWith({ fds: [fd], ignoredSignals: [1, 15] });
  const script = `printf '%s ' /proc/$$/fd/* > '${out}'; grep SigIgn /proc/$$/status >> '${out}'; echo written > /proc/self/fd/${fd}`;
  const r = await runner.exec('sh', ['-c', script], { env });
  assert.equal(r.code, 0);
  const seen = readFileSync(out, 'utf8');
  assert.match(seen, new RegExp(`/proc/\\d+/fd/${fd} `), `fd ${fd} reached the child`);
  assert.match(seen, /SigIgn:\s+0*4001\b/, 'SIGHUP (1) and SIGTERM (15) ignored');
  assert.equal(readFileSync(join(dir, 'passed'), 'utf8'), 'written\n');
  // An argument that is not UTF-8 reaches the command as those bytes.
  const bytes = Buffer.from([0x78, 0xff, 0x79]);
  await processRunner.exec('sh', ['-c', `printf '%s' "$1" > '${out}'`, 'sh', bytes], { env });
  assert.deepEqual(readFileSync(out), bytes);
});

test('pipe streams the first command into the second and captures both ends', async () => {
  const r = await processRunner.pipe(
    { cmd: 'sh', args: ['-c', 'head -c 3000000 /dev/zero; echo from-a >&2'] },
    { cmd: 'sh', args: ['-c', 'wc -c >&2; exit 4'] },
    { env },
  );
  assert.deepEqual([r.from.code, r.from.stderr, r.to.code, r.to.stderr.trim()], [0, 'from-a\n', 4, '3000000']);
});

test('pipe stops the first command when the second ends without reading it all', async () => {
  const r = await processRunner.pipe(
    { cmd: 'yes', args: [] },
    { cmd: 'sh', args: ['-c', 'head -c 10 >/dev/null'] },
    { env },
  );
  assert.equal(r.to.code, 0);
  assert.ok(r.from.signal !== null || r.from.code !== 0, `yes was stopped: ${JSON.stringify(r.from)}`);
});

test('a reporting runner runs what would take the terminal with its output handed over instead', async () => {
  const seen: string[] = [];
  const runner = processRunnerReporting((text) => seen.push(text));
  const r = await runner.exec('sh', ['-c', 'echo to-out; echo to-err >&2; exit 5'], { env });
  assert.deepEqual(r, { code: 5, signal: null });
  assert.deepEqual(seen.join('').split('\n').filter(Boolean).sort(), ['to-err', 'to-out']);
});

test('run keeps only the end of a long output while it is produced, and stops a command at its timeout', async () => {
  // 50 MB through a 64 KiB bound: what is held stays near the bound, and the end is the command's last bytes.
  const r = await processRunner.run('sh', ['-c', 'head -c 52428800 /dev/zero | tr "\\0" a; echo END'], {
    env,
    keepLastBytes: 65_536,
  });
  assert.equal(r.code, 0);
  assert.ok(r.stdout.length >= 65_536 && r.stdout.length < 65_536 + 1_048_576, `held ${r.stdout.length} bytes`);
  assert.ok(r.stdout.endsWith('aaaEND\n'), 'its end');
  const started = Date.now();
  const t = await processRunner.run('sh', ['-c', 'exec sleep 600'], { env, timeoutMs: 500 });
  assert.equal(t.timedOut, true);
  assert.equal(t.signal, 'SIGTERM');
  assert.ok(Date.now() - started < 60_000, 'stopped at its timeout, not when it ended');
});
