// What the data commands answer, as one function each, shared by the CLI's --json and the MCP server's tools
// (lib/mcp): a script and an agent read the same shapes (the JSON shapes in the README's "Commands").
import type { Context } from '../context.js';
import {
  engineStatuses,
  loadEnvironment,
  bindToEnvironment,
  forwardState,
  findRouter,
  sharedNetworks,
  type DestroyReport,
  type ForkOutcome,
  type EnvironmentOutcome,
} from '../core/service.js';
import { dnsStatus } from '../dns/server.js';
import { engineOf, type State } from '../state/schema.js';
import { markUsed } from '../state/usage.js';
import {
  connectionView,
  environmentView,
  environmentViews,
  sharedNetworkView,
  type ConnectionView,
  type EnvironmentView,
  type LiveFacts,
  type SharedNetworkView,
} from './views.js';

/** `cilo list --json`: every environment, each engine asked once whether it answers. */
export async function listReport(ctx: Context): Promise<{ environments: EnvironmentView[] }> {
  const state = ctx.store.read();
  return { environments: environmentViews(state, await engineStatuses(ctx, state)) };
}

/** Whether names resolve on this host and the environment's router runs: asked, not taken from the plan. */
async function liveFacts(ctx: Context, state: State, name: string): Promise<LiveFacts> {
  const [dns, router] = await Promise.all([
    ctx.settings.dns.enabled ? dnsStatus(ctx, state) : undefined,
    findRouter(bindToEnvironment(ctx, state, name)).then(
      (c) => c?.running === true,
      () => undefined, // the engine did not answer: the router's record stands
    ),
  ]);
  return { dnsServing: dns?.answering === true, routerRunning: router };
}

/** `cilo status NAME --json`: one environment, its engine asked whether it answers, and what runs. */
export async function statusReport(ctx: Context, name: string): Promise<EnvironmentView> {
  const { key, record, state } = loadEnvironment(ctx, name);
  const [engines, live] = await Promise.all([
    engineStatuses(ctx, state, [engineOf(state, key)!]),
    liveFacts(ctx, state, name),
  ]);
  markUsed(ctx.home, name);
  const view = environmentView(state, key, record, engines, live);
  const forwards = await forwardState(bindToEnvironment(ctx, state, name));
  return forwards === 'none' ? view : { ...view, forwards };
}

/** `cilo env NAME --format json`: where each service answers from this host (through a router that runs). */
export async function connectionReport(ctx: Context, name: string): Promise<ConnectionView> {
  const { key, record, state } = loadEnvironment(ctx, name);
  const live = await liveFacts(ctx, state, name);
  markUsed(ctx.home, name);
  return connectionView(environmentView(state, key, record, undefined, live));
}

/** `cilo shared list --json` (and `inspect`: one network, by name). */
export async function sharedReport(ctx: Context, name?: string): Promise<SharedNetworkView[]> {
  const { state, names, exists } = await sharedNetworks(ctx, name);
  return names.map((n, i) => sharedNetworkView(state, n, exists[i] ?? null)!);
}

/** An environment as the command that changed it left it (create, up, down): its record, and what runs. */
export async function outcomeReport(ctx: Context, o: EnvironmentOutcome): Promise<EnvironmentView> {
  return environmentView(o.state, o.key, o.record, undefined, await liveFacts(ctx, o.state, o.record.name));
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
export async function forkReport(ctx: Context, o: ForkOutcome) {
  return {
    ...(await outcomeReport(ctx, o)),
    copied_volumes: o.copied.map((c) => ({ key: c.key, from: c.from.name, to: c.to.name })),
    uncopied: o.uncopied,
    source_paused: o.paused,
  };
}
