// lib/state/lock.ts: the exclusive flock(2) on $CILO_HOME/state.lock, its timeout and its waiting note.
// The holders here are other processes (util-linux `flock`, which is real flock(2) like fs-ext, and a
// node process running the built store), so the lock is exercised across processes as in real use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { withFileLock } from '../../lib/state/lock.ts';
import { updateState, readState } from '../../lib/state/store.ts';
import { stateLockFile } from '../../lib/state/paths.ts';
import { UserError } from '../../lib/errors/index.ts';
import { flockHolder, ROOT, tempDir, rejection, waitFor, waitForLine } from '../helpers.ts';

const WORKER = join(import.meta.dirname, 'fixtures', 'state-worker.mjs');

function home(t: TestContext): string {
  const h = join(tempDir(t), 'home');
  mkdirSync(h, { mode: 0o700 });
  return h;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((r) =>
    child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
  );

test('the lock file is $CILO_HOME/state.lock and flock(1) sees it held while updateState runs', async (t) => {
  const h = home(t);
  let busyInside: number | null = null;
  await updateState(h, (s) => {
    // `flock -n` fails (exit 1) when another process holds the lock
    busyInside = spawnSync('flock', ['-n', stateLockFile(h), 'true']).status;
    s.subnet_counter = 1;
  });
  assert.equal(busyInside, 1, 'the lock is held while mutate runs');
  assert.equal(spawnSync('flock', ['-n', stateLockFile(h), 'true']).status, 0, 'and released afterwards');
  assert.equal(stateLockFile(h), join(h, 'state.lock'));
});

test('lock timeout: updateState gives up with an error that names the lock file; nothing is written', async (t) => {
  const h = home(t);
  await updateState(h, (s) => void (s.subnet_counter = 5));
  const before = statSync(join(h, 'state.json')).mtimeMs;
  await flockHolder(t, stateLockFile(h), 10);
  let called = false;
  const started = Date.now();
  const err = await rejection(
    updateState(
      h,
      (s) => {
        called = true;
        s.subnet_counter = 99;
      },
      { timeoutMs: 300 },
    ),
  );
  const took = Date.now() - started;
  assert.ok(err instanceof UserError, `a user error, got ${err}`);
  assert.ok(err.message.includes(stateLockFile(h)), `names the lock file: ${err.message}`);
  assert.match(err.message, /timed out/);
  assert.match(err.hint!, /CILO_LOCK_TIMEOUT/);
  assert.ok(took >= 290 && took < 3000, `gave up after about 300 ms (took ${took} ms)`);
  assert.equal(called, false, 'mutate never ran');
  assert.equal(readState(h).subnet_counter, 5);
  assert.equal(statSync(join(h, 'state.json')).mtimeMs, before);
});

test('lock timeout names the pid of a cilo holder', async (t) => {
  const h = home(t);
  const child = spawn(process.execPath, [WORKER, 'hold', h], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const line = await waitForLine(child, 'locked');
  assert.equal(line, `locked ${child.pid}`);
  const err = await rejection(updateState(h, () => undefined, { timeoutMs: 200 }));
  assert.match(err.message, new RegExp(`held by pid ${child.pid}\\b`));
  child.kill('SIGKILL');
  await exited(child);
});

test('a wait while holders come and go is progress: it outlasts the timeout without failing', async (t) => {
  const h = home(t);
  const lock = stateLockFile(h);
  writeFileSync(lock, '');
  // Five holders in turn, 0.5 s each (2.5 s in all), each writing its pid as a cilo holder does; the
  // waiter's timeout is 1.5 s: longer than any one holder with room for a slow hand-over, shorter than all.
  const relay = spawn(
    'sh',
    ['-c', `for i in 1 2 3 4 5; do flock -x "$1" sh -c 'echo $$ > "$1"; sleep 0.5' sh "$1" & done; wait`, 'sh', lock],
    { detached: true, stdio: 'ignore' },
  );
  t.after(() => {
    try {
      process.kill(-relay.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  await waitFor('the first holder', () => (readFileSync(lock, 'utf8').trim() ? true : undefined), 10_000);
  const started = Date.now();
  await updateState(h, (s) => void (s.subnet_counter += 1), { timeoutMs: 1500 });
  assert.equal(readState(h).subnet_counter, 1);
  // The waiter may slip in between two holders; when it did not, it waited past its timeout.
  t.diagnostic(`waited ${Date.now() - started} ms behind holders of 0.5 s each`);
});

test('one holder past the timeout: the error names it and how long it held the lock', async (t) => {
  const h = home(t);
  await flockHolder(t, stateLockFile(h), 10);
  const err = await rejection(updateState(h, () => undefined, { timeoutMs: 400 }));
  assert.match(err.message, /held by another process for 0\.\d s without a change \(waited 0\.\d s in all\)/);
});

test('onWait is called once, after about 1 s of waiting, and the update then succeeds', async (t) => {
  const h = home(t);
  await flockHolder(t, stateLockFile(h), 2);
  const calls: { file: string; at: number }[] = [];
  const started = Date.now();
  const result = await updateState(
    h,
    (s) => {
      s.subnet_counter += 1;
      return 'done';
    },
    { timeoutMs: 10_000, onWait: (file) => calls.push({ file, at: Date.now() - started }) },
  );
  const took = Date.now() - started;
  assert.equal(result, 'done');
  assert.equal(calls.length, 1, 'called exactly once');
  assert.equal(calls[0]!.file, stateLockFile(h));
  assert.ok(calls[0]!.at >= 1000 && calls[0]!.at < 1800, `called after ~1 s (at ${calls[0]!.at} ms)`);
  assert.ok(took >= 1000, `waited for the holder (${took} ms)`);
  assert.equal(readState(h).subnet_counter, 1);
});

test('onWait is not called when the lock is free, nor for a short wait', async (t) => {
  const h = home(t);
  let calls = 0;
  await updateState(h, (s) => void (s.subnet_counter += 1), { onWait: () => calls++ });
  await flockHolder(t, stateLockFile(h), 0.3);
  await updateState(h, (s) => void (s.subnet_counter += 1), { onWait: () => calls++, timeoutMs: 5000 });
  assert.equal(calls, 0);
  assert.equal(readState(h).subnet_counter, 2);
});

test('withFileLock: exclusive between two holders in one process; released after fn throws', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'x.lock');
  let release: (() => void) | undefined;
  const holding = withFileLock(file, () => new Promise<string>((r) => (release = () => r('first'))));
  await waitFor('the first holder to have the lock', () => release !== undefined);
  const err = await rejection(withFileLock(file, () => 'second', { timeoutMs: 100 }));
  assert.ok(err.message.includes(file));
  release!();
  assert.equal(await holding, 'first');
  // a throwing fn releases the lock too
  await assert.rejects(
    withFileLock(file, () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await withFileLock(file, () => 'third', { timeoutMs: 100 }), 'third');
  assert.ok(existsSync(file));
});

test('withFileLock with timeoutMs 0 fails at once when busy', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'y.lock');
  await flockHolder(t, file, 10);
  const started = Date.now();
  await assert.rejects(
    withFileLock(file, () => 1, { timeoutMs: 0 }),
    (e: Error) => e.message.includes(file),
  );
  assert.ok(Date.now() - started < 500);
});

test('the worker fixture runs the built code', () => {
  // The process-level tests use dist/: fail clearly if it is missing rather than test stale code silently.
  assert.ok(existsSync(join(ROOT, 'dist', 'state', 'store.js')), 'dist/ is missing: run npx tsc -p tsconfig.json');
});

test('a lock file that is a symbolic link is never followed: a user error, its target untouched', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'Cargo.lock');
  writeFileSync(target, 'precious\n');
  symlinkSync(target, join(dir, 'x.lock'));
  const e = await rejection(withFileLock(join(dir, 'x.lock'), () => 'ran'));
  assert.ok(e instanceof UserError, String(e));
  assert.match(e.message, /symbolic link/);
  assert.equal(readFileSync(target, 'utf8'), 'precious\n');
});
