// A full, read-only or unwritable CILO_HOME (ENOSPC, EROFS, EACCES): a user error naming the file, the
// old state kept. On real file systems: a small tmpfs filled up, one remounted read-only, and a home the
// user `nobody` may not write. Mounting needs root (CI runs as root); elsewhere these are skipped.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateState } from '../../lib/state/store.ts';
import { fsError } from '../../lib/state/fs-errors.ts';
import { UserError } from '../../lib/errors/index.ts';
import { cilo, FIXTURES, rejection, requireCompose, tempDir } from '../helpers.ts';

const isRoot = process.getuid?.() === 0;

/** A tmpfs of `size` mounted on a temp dir; unmounted, then the dir removed, after the test. */
function tmpfs(t: TestContext, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cilo-fs-'));
  t.after(() => {
    try {
      execFileSync('umount', ['-l', dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  return dir;
}

const STATE =
  JSON.stringify({ version: 2, subnet_counter: 7, hosts: { local: { environments: {} } }, shared_networks: {} }) + '\n';

function homeWithState(dir: string): string {
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  writeFileSync(join(home, 'state.json'), STATE, { mode: 0o600 });
  return home;
}

function noStack(stderr: string) {
  assert.doesNotMatch(stderr, /internal error|^\s+at /m, stderr);
}

test('fsError names the operation, the file, the reason and what was kept; other errors are not its business', () => {
  const e = fsError(
    Object.assign(new Error('x'), { code: 'ENOSPC' }),
    'write',
    '/h/.cilo/state.json',
    'state.json is as it was',
  )!;
  assert.ok(e instanceof UserError);
  assert.equal(
    e.message,
    'cannot write /h/.cilo/state.json: no space left on the device (ENOSPC); state.json is as it was',
  );
  assert.match(e.hint!, /free space on the file system of \/h\/\.cilo/);
  assert.match(
    fsError({ code: 'EROFS' }, 'create', '/r/home')!.message,
    /^cannot create \/r\/home: the file system is read-only \(EROFS\)/,
  );
  assert.equal(fsError({ code: 'EBADF' }, 'read', '/x'), undefined);
  assert.equal(fsError(new TypeError('bug'), 'read', '/x'), undefined);
});

test('a full disk: the update fails naming state.json, which keeps its old content', async (t) => {
  if (!isRoot) return void t.skip('mounting a tmpfs needs root');
  const home = homeWithState(tmpfs(t, '64k'));
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(home, 'filler')}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
  } catch {
    // dd stops at the full disk, as meant
  }
  const e = await rejection(updateState(home, (s) => void (s.subnet_counter = 8 + 'x'.repeat(100_000).length)));
  assert.ok(e instanceof UserError, String(e));
  assert.match(
    e.message,
    new RegExp(`^cannot write ${join(home, 'state.json')}: no space left on the device \\(ENOSPC\\)`),
  );
  assert.equal(readFileSync(join(home, 'state.json'), 'utf8'), STATE);
});

test('cilo on a full, a read-only and an unwritable home: exit 1, a message naming the file, no stack, state kept', async (t) => {
  if (!isRoot) return void t.skip('mounting a tmpfs needs root');
  if (!requireCompose(t)) return;
  const env = (home: string) => ({ ...process.env, CILO_HOME: home, CILO_DNS: 'off', NO_COLOR: '1' });
  const create = (home: string, extra: object = {}) =>
    cilo(['create', 'fsx', '--from', join(FIXTURES, 'tiny')], { env: env(home), ...extra });

  const full = homeWithState(tmpfs(t, '64k'));
  writeFileSync(join(full, 'pad'), Buffer.alloc(60 * 1024));
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(full, 'filler')}`, 'bs=1k', 'count=64'], { stdio: 'ignore' });
  } catch {
    // full
  }
  const r1 = await create(full);
  assert.equal(r1.exitCode, 1, r1.stderr);
  assert.match(r1.stderr, /^cilo: error: cannot write .*state\.json: no space left on the device \(ENOSPC\)/m);
  noStack(r1.stderr);
  assert.equal(readFileSync(join(full, 'state.json'), 'utf8'), STATE);

  const roDir = tmpfs(t, '1m');
  const ro = homeWithState(roDir);
  execFileSync('mount', ['-o', 'remount,ro', roDir]);
  const r2 = await create(ro);
  assert.equal(r2.exitCode, 1, r2.stderr);
  assert.match(r2.stderr, /^cilo: error: cannot (lock|write) .*: the file system is read-only \(EROFS\)/m);
  assert.match(r2.stderr, /hint: set CILO_HOME to a writable directory/);
  noStack(r2.stderr);
  assert.equal(readFileSync(join(ro, 'state.json'), 'utf8'), STATE);

  // As user nobody, a home that belongs to root: permission denied.
  const locked = homeWithState(tempDir(t));
  chmodSync(join(locked, '..'), 0o755);
  const r3 = await cilo(['create', 'fsx', '--from', join(FIXTURES, 'tiny')], {
    env: env(locked),
    uid: 65534,
    gid: 65534,
  });
  assert.equal(r3.exitCode, 1, r3.stderr);
  assert.match(r3.stderr, /^cilo: error: cannot (read|lock|write|create) .*: permission denied \(EACCES\)/m);
  noStack(r3.stderr);
  assert.equal(readFileSync(join(locked, 'state.json'), 'utf8'), STATE);
});
