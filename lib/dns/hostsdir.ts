// The records dnsmasq serves, as one hosts file per environment in $CILO_HOME/dns/hosts (dnsmasq's
// --hostsdir, watched with inotify: no signal, no restart). Files are written beside the directory and
// renamed in (dnsmasq reads a file on IN_MOVED_TO / IN_CLOSE_WRITE; an in-place rewrite can be read
// half-written), and removed with unlink (moving a file out does not drop its names).
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock, type LockOptions } from '../state/lock.js';
import { dnsDir } from '../state/paths.js';
import type { State } from '../state/schema.js';
import { ensureHome, readFileIfExists, writeFileAtomic } from '../state/store.js';
import { recordsByEnvironment } from './records.js';

export const hostsDir = (home: string) => join(dnsDir(home), 'hosts');
const stagingDir = (home: string) => join(dnsDir(home), 'staging');
const recordsLock = (home: string) => join(dnsDir(home), 'records.lock');
/** The revision of the state the records were last rendered from. */
const renderedFile = (home: string) => join(dnsDir(home), 'rendered-revision');

export function renderHostsFile(records: { name: string; addresses: string[] }[]): string {
  return records.flatMap((r) => r.addresses.map((a) => `${a} ${r.name}\n`)).join('');
}

/** How the hosts directory differs from what `state` serves: files to (re)write, files to remove. */
export interface HostsDrift {
  write: Map<string, string>;
  remove: string[];
}

/**
 * The one rule of what the hosts directory must hold (syncHostsDir applies it, `cilo doctor` reports it): a
 * file with the records of each running environment that has any, and nothing else.
 */
export function hostsDrift(home: string, state: State): HostsDrift {
  const dir = hostsDir(home);
  let present: string[] = [];
  try {
    present = readdirSync(dir);
  } catch {
    // no directory yet: every file is to write
  }
  const wanted = new Map([...recordsByEnvironment(state)].filter(([, records]) => records.length > 0));
  const write = new Map<string, string>();
  for (const [env, records] of wanted) {
    const content = renderHostsFile(records);
    if (readFileIfExists(join(dir, env)) !== content) write.set(env, content);
  }
  return { write, remove: present.filter((f) => !wanted.has(f)) };
}

/** Makes the hosts directory hold what `state` serves. */
export function syncHostsDir(home: string, state: State): void {
  const dir = hostsDir(home);
  const staging = stagingDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  const drift = hostsDrift(home, state);
  // dnsmasq must be able to read them after dropping privileges: 0644, in a 0755 directory. Not fsync'd: they
  // are derived from state and rewritten from it (and by `cilo doctor --fix`) after a crash.
  for (const [env, content] of drift.write)
    writeFileAtomic(join(staging, env), content, { mode: 0o644, target: join(dir, env), durable: false });
  for (const f of drift.remove) {
    try {
      unlinkSync(join(dir, f));
    } catch {
      // already gone
    }
  }
}

/** What refreshing the records needs: the home, its state, and the lock options of the command. */
export interface RecordsDeps {
  home: string;
  locks: LockOptions;
  store: { read(): State };
}

function renderedRevision(home: string): number {
  const n = Number(readFileIfExists(renderedFile(home)));
  return Number.isInteger(n) ? n : -1;
}

/**
 * Brings the records in line with the state after a command changed it: `written`, the state that command
 * wrote (with its revision), or, when none is given, the state as it is now. Never under the state lock
 * (docs/ARCHITECTURE.md, "State rules"): under a lock of its own, and a state older than the one last
 * rendered is skipped, so an older render can never overwrite a newer one. Returns the state rendered from.
 */
export async function refreshRecords(deps: RecordsDeps, written?: State): Promise<State> {
  ensureHome(deps.home);
  mkdirSync(dnsDir(deps.home), { recursive: true, mode: 0o755 });
  return withFileLock(
    recordsLock(deps.home),
    () => {
      const state = written ?? deps.store.read();
      const revision = state.revision ?? 0;
      if (written && revision <= renderedRevision(deps.home)) return state;
      syncHostsDir(deps.home, state);
      writeFileAtomic(renderedFile(deps.home), `${revision}\n`, { mode: 0o644, durable: false });
      return state;
    },
    deps.locks,
  );
}
