// When a cilo command last touched an environment, for `cilo gc` (docs/DESIGN.md §12): the modification time
// of a file in its directory, set by every command about it. A file's time and not a state field, because
// `status`, `logs` or `ps` must not take the state lock or write the state file just to say they were there.
import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envDir } from './paths.js';
import type { Environment } from './schema.js';

const usedFile = (home: string, name: string) => join(envDir(home, name), 'used');

/** Records that a command used environment `name` now. Never fails the command: the mark is a hint. */
export function markUsed(home: string, name: string, now = new Date()): void {
  const file = usedFile(home, name);
  try {
    utimesSync(file, now, now);
  } catch {
    try {
      mkdirSync(envDir(home, name), { recursive: true, mode: 0o700 });
      writeFileSync(file, '');
      utimesSync(file, now, now);
    } catch {
      // a read-only home: gc then goes by the state's own times
    }
  }
}

/** The last time a command touched the environment: its mark, or what state recorded, whichever is newer. */
export function lastUsed(home: string, env: Pick<Environment, 'name' | 'created_at' | 'updated_at'>): Date {
  const recorded = Math.max(Date.parse(env.created_at) || 0, Date.parse(env.updated_at ?? '') || 0);
  let marked = 0;
  try {
    marked = statSync(usedFile(home, env.name)).mtimeMs;
  } catch {
    // never marked
  }
  return new Date(Math.max(recorded, marked));
}
