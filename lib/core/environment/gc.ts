// `cilo gc` (docs/DESIGN.md §12): what a killed agent leaves behind goes. An environment no cilo command has
// used for the given time is destroyed, unless something still depends on it: a publisher whose consumers
// stay is kept (one whose consumers all go, goes after them), and so is a worktree with uncommitted changes.
// The list is decided first (`--dry-run` shows it); each removal is then an ordinary destroy, which checks
// the references again under the lock.
import { EngineUnreachableError, UserError } from '../../errors/index.js';
import { LOCAL_ENGINE } from '../../docker/engines.js';
import { COMPOSE_PROJECT_LABEL } from '../../docker/objects.js';
import { consumersOf } from '../../state/references.js';
import { engineOf, environmentsOf, type Environment, type State } from '../../state/schema.js';
import { lastUsed } from '../../state/usage.js';
import type { Context } from '../../context.js';
import { bindToEnvironment } from '../engines.js';
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

export interface GcReport {
  dry_run: boolean;
  /** What went (with dry_run: what would go). */
  removed: GcEntry[];
  kept: GcPlan['kept'];
  older_than_seconds: number;
  /** Environments whose destroy failed (an engine that did not answer, a reference made meanwhile). */
  failed: { key: string; error: string }[];
}

/**
 * Why an idle environment stays all the same, if it does: it is marked keep, its worktree has uncommitted
 * work, or (unless `includeRunning`) something of it runs — asked of its engine, where an engine that does
 * not answer keeps it too (never taken for "nothing runs").
 */
async function pinOf(ctx: Context, state: State, env: Environment, includeRunning: boolean) {
  if (env.keep) return 'it is marked keep (cilo create --keep)';
  if (env.worktree && (await uncommitted(ctx, env.worktree)).length > 0)
    return `its worktree ${env.worktree.path} has uncommitted changes`;
  if (includeRunning) return undefined;
  try {
    const states = await bindToEnvironment(ctx, state, env.name).docker.containerStates(
      `${COMPOSE_PROJECT_LABEL}=${env.name}`,
    );
    const running = states.filter((c) => c.running && !c.oneOff).length;
    return running > 0 ? `${running} of its containers run (--include-running removes it too)` : undefined;
  } catch (e) {
    if (!(e instanceof EngineUnreachableError)) throw e;
    return `its engine does not answer (${e.reason}): whether it runs is unknown`;
  }
}

/** Decides what goes (idle, nothing running, nothing pinned), then (unless a dry run) destroys them in order. */
export async function collectGarbage(
  ctx: Context,
  o: { olderThanMs: number; dryRun: boolean; includeRunning?: boolean; only?: (name: string) => boolean },
): Promise<GcReport> {
  const state = ctx.store.read();
  const lastUsedOf = (env: Environment) => lastUsed(ctx.home, env);
  const now = new Date();
  const idle = planGc(state, lastUsedOf, now, o.olderThanMs);
  const envs = environmentsOf(state);
  const pinned = new Map<string, string>();
  const seen = o.only ?? (() => true); // environments outside it stay, and are not reported
  for (const e of [...idle.remove, ...idle.kept]) {
    const reason = seen(e.name) ? await pinOf(ctx, state, envs[e.key]!, o.includeRunning === true) : 'not seen';
    if (reason) pinned.set(e.key, reason);
  }
  const plan = planGc(state, lastUsedOf, now, o.olderThanMs, pinned);
  const remove = plan.remove;
  const report: GcReport = {
    dry_run: o.dryRun,
    older_than_seconds: o.olderThanMs / 1000,
    removed: remove,
    kept: plan.kept.filter((e) => seen(e.name)),
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
