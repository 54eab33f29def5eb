// The state store: lock-free reads (writers replace the file atomically) and one locked
// read-modify-write entry point.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { parseState } from './migrate.js';
import { emptyState, type State } from './schema.js';
import { stateFile, stateLockFile } from './paths.js';
import { withFileLock, type LockOptions } from './lock.js';
import { fsError } from './fs-errors.js';
import { UserError } from '../errors/index.js';

/** Creates $CILO_HOME (0700) if needed, and refuses one that is not the user's own (checkHomeOwner). */
export function ensureHome(home: string): void {
  let st;
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    st = statSync(home);
  } catch (e) {
    throw fsError(e, 'create', home) ?? e;
  }
  checkHomeOwner(home, st, process.getuid?.());
}

/**
 * CILO_HOME must be the user's own and writable by nobody else (docs/DESIGN.md §13): another account that
 * can write there could change the state, the DNS records or the locks this user's cilo acts on.
 */
export function checkHomeOwner(home: string, st: { uid: number; mode: number }, uid: number | undefined): void {
  if (uid === undefined) return; // no owners to compare (Windows)
  if (st.uid !== uid)
    throw new UserError(
      `CILO_HOME ${home} belongs to uid ${st.uid}, not to you (uid ${uid}): cilo uses only a home of your own`,
      `set CILO_HOME to a directory of yours, or give it to you: sudo chown -R ${uid} ${home}`,
    );
  if ((st.mode & 0o022) !== 0)
    throw new UserError(
      `CILO_HOME ${home} can be written by other accounts (mode ${(st.mode & 0o777).toString(8)})`,
      `make it yours alone: chmod go-w ${home}`,
    );
}

/** Reads the state without a lock. A missing file is an empty state; an unreadable one throws. */
export function readState(home: string): State {
  const file = stateFile(home);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw fsError(e, 'read', file) ?? e;
  }
  return parseState(text, file);
}

export interface AtomicWriteOptions {
  /** Default 0600. */
  mode?: number;
  /** Where the file lands, when the temp file must be made elsewhere (same file system). Default: `file`. */
  target?: string;
  /**
   * false: skip the fsyncs. Readers still see the old or the new file (rename), but a crash may lose the
   * write: only for files derived from state and rewritten from it (DNS records). Default true.
   */
  durable?: boolean;
}

/** A text file's content, or undefined when it cannot be read (absent, or not ours to read). */
export function readFileIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes a file atomically: a unique temp file beside it, fsync, rename, fsync of the directory.
 * A crash leaves the old or the new content, never a torn file.
 */
export function writeFileAtomic(file: string, content: string, opts: AtomicWriteOptions = {}): void {
  const target = opts.target ?? file;
  try {
    writeThenRename(file, target, content, opts);
  } catch (e) {
    throw fsError(e, 'write', target, `${target} is as it was`) ?? e;
  }
}

function writeThenRename(file: string, target: string, content: string, opts: AtomicWriteOptions): void {
  const durable = opts.durable ?? true;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o600);
  const discard = () => {
    try {
      unlinkSync(tmp);
    } catch {
      // best effort: the temp file is ours and harmless
    }
  };
  try {
    writeSync(fd, content);
    if (durable) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    discard();
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (e) {
    discard();
    throw e;
  }
  if (!durable) return;
  const dirFd = openSync(dirname(target), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * The one way to change state: lock, fresh read, `mutate`, atomic write if anything changed (nothing if it
 * throws). `mutate` is synchronous so that no Docker call or other file work runs under the lock
 * (docs/ARCHITECTURE.md, "State rules").
 */
export async function updateState<T>(home: string, mutate: (state: State) => T, opts: LockOptions = {}): Promise<T> {
  ensureHome(home);
  return withFileLock(
    stateLockFile(home),
    () => {
      const state = readState(home);
      const before = JSON.stringify(state);
      const result = mutate(state);
      if (JSON.stringify(state) !== before) {
        state.revision = (state.revision ?? 0) + 1;
        writeFileAtomic(stateFile(home), JSON.stringify(state, null, 2) + '\n');
      }
      return result;
    },
    opts,
  );
}

/**
 * The state file of one CILO_HOME with the lock options of the running command: what core code uses
 * (ctx.store). Reads are lock-free; every change goes through update().
 */
export class StateStore {
  constructor(
    readonly home: string,
    private readonly lock: LockOptions = {},
  ) {}

  read(): State {
    return readState(this.home);
  }

  update<T>(mutate: (state: State) => T): Promise<T> {
    return updateState(this.home, mutate, this.lock);
  }
}
