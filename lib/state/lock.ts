// Exclusive flock(2) on a lock file that is never renamed (locking the state file itself and replacing it
// by rename loses updates: the next process locks the old inode). The kernel frees the lock when the
// holder dies, even by SIGKILL.
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as FsExt from 'fs-ext';
import { UserError } from '../errors/index.js';
import { checkInterrupted } from '../docker/interruption.js';
import { fsError } from './fs-errors.js';

export interface LockOptions {
  /**
   * Give up when the lock has had the same holder this long (default 30 s; commands pass
   * settings.lockTimeoutMs, from CILO_LOCK_TIMEOUT). A wait while holders come and go is progress, not a
   * timeout: on a slow machine with many commands at once, each waits its turn.
   */
  timeoutMs?: number;
  /** Called once when the lock is not free at once, with the pid recorded by the holder if any. */
  onWait?: (lockFile: string, holderPid: string | undefined) => void;
}

// Loaded on first use: the shim's passthrough path never locks and should not load a native addon.
let flockSync: ((fd: number, flags: 'exnb') => void) | undefined;
function tryLock(fd: number): void {
  flockSync ??= loadFlock();
  flockSync(fd, 'exnb');
}

/** fs-ext is a native addon built at install for the Node that ran `npm ci`: another Node cannot load it. */
function loadFlock(): (fd: number, flags: 'exnb') => void {
  try {
    return (createRequire(import.meta.url)('fs-ext') as typeof FsExt).flockSync;
  } catch (e) {
    throw new UserError(
      `cannot load fs-ext, the native module cilo locks its files with: ${(e as Error).message.split('\n')[0]}`,
      `rebuild it for this Node (${process.version}): npm rebuild fs-ext, which needs python3, make and a C++ compiler`,
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isBusy(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** Runs fn while holding an exclusive lock on lockFile. The blocking flock cannot time out, so we poll. */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  let fd: number;
  try {
    // Never through a link: a lock file replaced by a symlink would make cilo open (and empty) its target.
    fd = openSync(lockFile, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw fsError(e, 'lock', lockFile, 'nothing was changed') ?? e;
  }
  try {
    await acquire(fd, lockFile, opts);
    // Record who holds it, for the waiting message of others. The lock file's content has no other use, so
    // a full disk does not stop the command here (its writes report that).
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n`, 0);
    } catch {
      // not recorded
    }
    return await fn();
  } finally {
    closeSync(fd); // closing the descriptor releases the flock
  }
}

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

/** Polls for the lock; the clock of the timeout starts again whenever another process holds it. */
async function acquire(fd: number, lockFile: string, opts: LockOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const started = Date.now();
  let holder = readHolder(lockFile);
  let since = started;
  let delay = 2;
  let told = false;
  for (;;) {
    try {
      return tryLock(fd);
    } catch (e) {
      if (!isBusy(e)) throw e;
    }
    const now = Date.now();
    const current = readHolder(lockFile);
    if (current !== holder) [holder, since] = [current, now];
    if (now - since >= timeoutMs)
      throw new UserError(
        `timed out waiting for the lock ${lockFile}: held by ${holder ? `pid ${holder}` : 'another process'} for ${seconds(now - since)} s without a change (waited ${seconds(now - started)} s in all)`,
        `another cilo command is still running; wait for it, or raise CILO_LOCK_TIMEOUT (seconds). A crashed holder frees the lock by itself`,
      );
    if (!told && now - started >= 1000 && opts.onWait) {
      told = true;
      opts.onWait(lockFile, holder);
    }
    await sleep(delay);
    checkInterrupted(); // a Ctrl-C while waiting: nothing was done yet
    delay = Math.min(delay * 2, 20);
  }
}

function readHolder(lockFile: string): string | undefined {
  try {
    return readFileSync(lockFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
