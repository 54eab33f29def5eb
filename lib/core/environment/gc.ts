// `cilo gc` (docs/DESIGN.md §12): what a killed agent leaves behind goes. An environment no cilo command has
// used for the given time is destroyed, unless something still depends on it: a publisher whose consumers
// stay is kept (one whose consumers all go, goes after them), and so is a worktree with uncommitted changes.
// The list is decided first (`--dry-run` shows it); each removal is then an ordinary destroy, which checks
// the references again under the lock.
import { UserError } from '../../errors/index.js';
import { LOCAL_ENGINE } from '../../docker/engines.js';
import { consumersOf } from '../../state/references.js';
import { engineOf, environmentsOf, type Environment, type State } from '../../state/schema.js';
import { lastUsed } from '../../state/usage.js';
import type { Context } from '../../context.js';
import { destroyEnvironment } from './destroy.js';
import { uncommitted } from './worktree.js';

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
 * publishers they use) and those kept because an environment that stays depends on them.
 */
export function planGc(state: State, lastUsedOf: (env: Environment) => Date, now: Date, olderThanMs: number): GcPlan {
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
      if (gone.has(key)) continue;
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
      return { ...e, reason: `its shared network is used by ${users.join(', ')}` };
    });
  return { remove, kept };
}

export interface GcReport {
  dry_run: boolean;
  /** What went (with dry_run: what would go). */
  removed: GcEntry[];
  kept: GcPlan['kept'];
  older_than_seconds: number;
  /** Environments whose destroy failed (an engine that did not answer, a reference made meanwhile). */
  failed: { key: string; error: string }[];
}

/** Decides what goes, keeps worktrees with uncommitted work, then (unless a dry run) destroys them in order. */
export async function collectGarbage(ctx: Context, o: { olderThanMs: number; dryRun: boolean }): Promise<GcReport> {
  const state = ctx.store.read();
  const plan = planGc(state, (env) => lastUsed(ctx.home, env), new Date(), o.olderThanMs);
  const envs = environmentsOf(state);
  const remove: GcEntry[] = [];
  for (const e of plan.remove) {
    const wt = envs[e.key]?.worktree;
    if (wt && (await uncommitted(ctx, wt)).length > 0)
      plan.kept.push({ ...e, reason: `its worktree ${wt.path} has uncommitted changes` });
    else remove.push(e);
  }
  const report: GcReport = {
    dry_run: o.dryRun,
    older_than_seconds: o.olderThanMs / 1000,
    removed: remove,
    kept: plan.kept,
    failed: [],
  };
  if (o.dryRun) return report;
  const done: GcEntry[] = [];
  for (const e of remove) {
    try {
      await destroyEnvironment(ctx, e.name, { force: false });
      done.push(e);
    } catch (err) {
      if (!(err instanceof UserError)) throw err; // an engine that does not answer is one too

      report.failed.push({ key: e.key, error: err.message });
    }
  }
  return { ...report, removed: done };
}
