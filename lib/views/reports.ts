// What the data commands answer, as one function each, shared by the CLI's --json and the MCP server's tools
// (lib/mcp): a script and an agent read the same shapes (README, "JSON output").
import type { Context } from '../context.js';
import { engineStatuses } from '../core/engines.js';
import { loadEnvironment } from '../core/environment/load.js';
import type { DestroyReport } from '../core/environment/destroy.js';
import type { ForkOutcome } from '../core/environment/fork.js';
import { sharedNetworks } from '../core/shared/networks.js';
import { engineOf } from '../state/schema.js';
import { markUsed } from '../state/usage.js';
import {
  connectionView,
  environmentView,
  environmentViews,
  sharedNetworkView,
  type ConnectionView,
  type EnvironmentView,
  type SharedNetworkView,
} from './views.js';

/** `cilo list --json`: every environment, each engine asked once whether it answers. */
export async function listReport(ctx: Context): Promise<{ environments: EnvironmentView[] }> {
  const state = ctx.store.read();
  return { environments: environmentViews(state, await engineStatuses(ctx, state)) };
}

/** `cilo status NAME --json`: one environment, its engine asked whether it answers. */
export async function statusReport(ctx: Context, name: string): Promise<EnvironmentView> {
  const { key, record, state } = loadEnvironment(ctx, name);
  const view = environmentView(state, key, record, await engineStatuses(ctx, state, [engineOf(state, key)!]));
  markUsed(ctx.home, name);
  return view;
}

/** `cilo env NAME --format json`: where each service answers from this host. */
export function connectionReport(ctx: Context, name: string): ConnectionView {
  const { key, record, state } = loadEnvironment(ctx, name);
  markUsed(ctx.home, name);
  return connectionView(environmentView(state, key, record));
}

/** `cilo shared list --json` (and `inspect`: one network, by name). */
export async function sharedReport(ctx: Context, name?: string): Promise<SharedNetworkView[]> {
  const { state, names, exists } = await sharedNetworks(ctx, name);
  return names.map((n, i) => sharedNetworkView(state, n, exists[i] ?? null)!);
}

/** `cilo destroy NAME --json`. */
export function destroyView(r: DestroyReport): {
  destroyed: string;
  broken_consumers: Record<string, string[]>;
  worktree_removed: string | null;
} {
  return { destroyed: r.key, broken_consumers: r.brokeConsumers, worktree_removed: r.worktreeRemoved ?? null };
}

/** `cilo fork SRC NEW --json`: the new environment, what was copied into it, and what was not. */
export function forkView(o: ForkOutcome) {
  return {
    ...environmentView(o.state, o.key, o.record),
    copied_volumes: o.copied.map((c) => ({ key: c.key, from: c.from.name, to: c.to.name })),
    uncopied: o.uncopied,
    source_paused: o.paused,
  };
}
