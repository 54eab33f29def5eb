// What `cilo gc` removes and what it keeps (docs/DESIGN.md §12), decided from the state and each
// environment's last use: pure. The use case (lib/core/use-cases/gc.ts) asks the engines and destroys.
import { UserError } from '../../errors/index.js';
import { LOCAL_ENGINE } from '../../docker/engines.js';
import { consumersOf } from '../../state/references.js';
import { engineOf, environmentsOf, type Environment, type State } from '../../state/schema.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90m`, `12h`, `7d`, `2w`, or seconds, as milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(text);
  if (!m)
    throw new UserError(`--older-than ${text}: not a duration`, 'give a number and a unit: 90m, 12h, 7d (or seconds)');
  return Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) * 1000;
}

export interface GcEntry {
  key: string;
  name: string;
  engine: string;
  status: string;
  last_used: string;
  idle_seconds: number;
}

export interface GcPlan {
  remove: GcEntry[];
  kept: (GcEntry & { reason: string })[];
}

/**
 * The environments idle for at least `olderThanMs`, split into those that go (consumers before the
 * publishers they use) and those kept: `pinned` ones (it runs, it is marked keep: with the reason), and those
 * an environment that stays depends on.
 */
export function planGc(
  state: State,
  lastUsedOf: (env: Environment) => Date,
  now: Date,
  olderThanMs: number,
  pinned: ReadonlyMap<string, string> = new Map(),
): GcPlan {
  const idle = new Map<string, GcEntry>();
  for (const [key, env] of Object.entries(environmentsOf(state))) {
    const used = lastUsedOf(env);
    const ms = now.getTime() - used.getTime();
    if (ms < olderThanMs) continue;
    const engine = engineOf(state, key) ?? LOCAL_ENGINE;
    idle.set(key, {
      key,
      name: env.name,
      engine,
      status: env.status,
      last_used: used.toISOString(),
      idle_seconds: Math.floor(ms / 1000),
    });
  }
  const remove: GcEntry[] = [];
  const gone = new Set<string>();
  // A publisher may go once every consumer of it goes: repeated until nothing more can.
  for (let changed = true; changed;) {
    changed = false;
    for (const [key, entry] of idle) {
      if (gone.has(key) || pinned.has(key)) continue;
      const users = [...consumersOf(state, key).values()].flat();
      if (!users.every((u) => gone.has(u))) continue;
      gone.add(key);
      remove.push(entry);
      changed = true;
    }
  }
  const kept = [...idle.values()]
    .filter((e) => !gone.has(e.key))
    .map((e) => {
      const users = [...consumersOf(state, e.key).values()].flat().filter((u) => !gone.has(u));
      return { ...e, reason: pinned.get(e.key) ?? `its shared network is used by ${users.join(', ')}` };
    });
  return { remove, kept };
}
