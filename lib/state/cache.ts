// Answers cilo can reuse instead of asking again (docs/ARCHITECTURE.md, "State rules"): what a project's compose
// files say (YAML parsing, ~35 ms) and Compose's version (~50 ms, seconds under load), in $CILO_HOME/cache/<kind>/
// under a key that changes whenever the answer could. Never the truth: an unreadable entry is a miss.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './store.js';

/** Bump when the shape of a cached answer changes: older entries are then never read. */
const FORMAT = 1;
/** Entries kept per kind; a write past it removes the oldest (edited files leave entries nobody reads). */
const KEEP = 200;

export type CacheKind = 'projects' | 'compose';

const entry = (home: string, kind: CacheKind, key: string) => join(home, 'cache', kind, `${key}.json`);

/** A key for these parts (file contents, paths, sizes, times): a hash, so any change is another entry. */
export function cacheKey(...parts: readonly (string | number | undefined)[]): string {
  const h = createHash('sha256').update(String(FORMAT));
  for (const p of parts) h.update('\0').update(String(p ?? ''));
  return h.digest('hex').slice(0, 32);
}

export function readCache<T>(home: string, kind: CacheKind, key: string): T | undefined {
  try {
    return (JSON.parse(readFileSync(entry(home, kind, key), 'utf8')) as { value: T }).value;
  } catch {
    return undefined;
  }
}

export function writeCache(home: string, kind: CacheKind, key: string, value: unknown): void {
  try {
    mkdirSync(join(home, 'cache', kind), { recursive: true, mode: 0o700 });
    writeFileAtomic(entry(home, kind, key), JSON.stringify({ value }), { durable: false });
    prune(join(home, 'cache', kind));
  } catch {
    // a cache that cannot be written is only slower
  }
}

function prune(dir: string): void {
  const names = readdirSync(dir);
  if (names.length <= KEEP) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - KEEP)) rmSync(join(dir, n), { force: true });
}
