// `cilo gc` (docs/DESIGN.md §12): what a killed agent leaves behind goes. The list is decided first (plan/gc.ts;
// `--dry-run` shows it); each removal is then an ordinary destroy, which checks the references again under the lock.
import { EngineUnreachableError, UserError } from '../../errors/index.js';
import { COMPOSE_PROJECT_LABEL } from '../../docker/objects.js';
import { environmentsOf, type Environment, type State } from '../../state/schema.js';
import { lastUsed } from '../../state/usage.js';
import type { Context } from '../../context.js';
import { planGc, type GcEntry, type GcPlan } from '../plan/gc.js';
import { bindToEnvironment } from '../steps/engines.js';
import { uncommitted } from '../steps/worktree.js';
import { destroyEnvironment } from './destroy.js';

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
