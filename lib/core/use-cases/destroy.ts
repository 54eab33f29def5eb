// `cilo destroy`: removes an environment's containers, volumes, networks, DNS records, state entry and
// subnets. The reference check and the "destroying" mark are one locked decision (decideDestroy), so a
// consumer that joins meanwhile either blocks the destroy or fails cleanly (docs/DESIGN.md §8).
import { rmSync } from 'node:fs';
import { EngineUnreachableError, UserError } from '../../errors/index.js';
import { LOCAL_ENGINE } from '../../docker/engines.js';
import { InterruptedError, interruption } from '../../docker/interruption.js';
import { composeArgs, selectorOf } from '../../compose/command.js';
import { removeComposeLeftovers } from '../../docker/leftovers.js';
import { COMPOSE_PROJECT_LABEL } from '../../docker/objects.js';
import { LABEL_ENV } from '../../network/labels.js';
import { removeOwnedNetwork } from '../../network/networks.js';
import { sharedNetworkName, validateName } from '../../state/names.js';
import { envDir, networkLockFile } from '../../state/paths.js';
import { consumersOf, deleteEnvironment, markBroken } from '../../state/references.js';
import { engineOf, findEnvByName, networksOf, type Environment, type State } from '../../state/schema.js';
import { refreshRecords } from '../../dns/hostsdir.js';
import { onEngine, type Context } from '../../context.js';
import { bindToEnvironment, checkIdentity } from '../steps/engines.js';
import { syncForwards } from '../steps/forwards.js';
import { syncRouter } from '../steps/router.js';
import { projectAt, writtenOverride } from '../steps/load.js';
import { removeOwned } from '../steps/ownership.js';
import { checkWorktreeRemovable, removeWorktree } from '../steps/worktree.js';

export interface DestroyDecision {
  key: string;
  /** The record as it was marked `destroying`. */
  record: Environment;
  /** Consumers that lose a network this environment publishes, per network. */
  consumers: Record<string, string[]>;
}

/**
 * The locked decision, on a fresh read: refused while others reference what the environment publishes,
 * unless `force`; then the consumers are marked broken and the environment `destroying`.
 */
export function decideDestroy(state: State, name: string, force: boolean, now: string): DestroyDecision {
  const found = findEnvByName(state, name);
  if (!found) throw new UserError(`no environment named ${name}`, `see 'cilo list'`);
  const [key, env] = found;
  const consumers = consumersOf(state, key);
  if (consumers.size > 0 && !force) {
    const [net, keys] = [...consumers][0]!;
    throw new UserError(
      `cannot destroy ${key}: shared network ${net} is used by: ${withEngines(state, keys).join(', ')}`,
      `destroy those first, or use --force to destroy anyway (it disconnects them from ${net}; they keep running without its services)`,
    );
  }
  for (const [net, keys] of consumers) markBroken(state, net, keys);
  env.status = 'destroying';
  env.updated_at = now;
  return { key, record: structuredClone(env), consumers: Object.fromEntries(consumers) };
}

/** Keys, each with its engine when they are not all on the local one. */
function withEngines(state: State, keys: readonly string[]): string[] {
  const engines = keys.map((k) => engineOf(state, k) ?? LOCAL_ENGINE);
  return engines.every((e) => e === LOCAL_ENGINE) ? [...keys] : keys.map((k, i) => `${k} (on engine ${engines[i]})`);
}

export interface DestroyReport {
  key: string;
  brokeConsumers: Record<string, string[]>;
  /** The worktree removed with it (cilo create --worktree). */
  worktreeRemoved?: string;
  /** The state as written. */
  state: State;
}

/**
 * What this home made for it, by its labels (ownership.ts). A record from before those labels: Compose first
 * (it knows the project's volumes and networks), then the project's labels catch what it missed.
 */
async function removeContainersAndVolumes(ctx: Context, record: Environment): Promise<void> {
  if (record.labelled) return removeOwned(ctx, record);
  const project = projectAt(ctx, record);
  if (project) {
    const args = composeArgs(selectorOf(project), {
      override: writtenOverride(ctx.home, record.name),
      subcommand: 'down',
      args: ['--volumes', '--remove-orphans'],
    });
    const r = await ctx.docker.compose(args, { cwd: record.source });
    if (r.code !== 0)
      ctx.log.warn(`docker compose down failed (${r.stderr.trim().split('\n').pop()}); removing by label instead`);
  }
  // A source directory that is gone, containers of a failed up: found by label.
  const leftovers = (
    await Promise.all([
      ctx.docker.listContainers([`${COMPOSE_PROJECT_LABEL}=${record.name}`]),
      ctx.docker.listContainers([`${LABEL_ENV}=${record.name}`]),
    ])
  ).flat();
  await ctx.docker.removeContainers([...new Set(leftovers.map((c) => c.id))]);
  await removeComposeLeftovers(ctx.docker, record.name, { volumes: true });
}

/**
 * Disconnects every container from `network` on the engine of `ctx`. An overlay is attached on several
 * engines: each one sees (and disconnects) only its own containers.
 */
async function disconnectAll(ctx: Context, network: string): Promise<void> {
  const info = await ctx.docker.inspectNetwork(network);
  if (info) for (const id of Object.keys(info.containers)) await ctx.docker.disconnect(network, id);
}

/** The consumers' engines other than the publisher's, for an overlay (docs/DESIGN.md §8). */
function otherEngines(ctx: Context, state: State, consumers: Record<string, string[]>, network: string): Context[] {
  const engines = new Set((consumers[network] ?? []).map((k) => engineOf(state, k) ?? LOCAL_ENGINE));
  engines.delete(ctx.engine.name);
  return [...engines].map((e) => onEngine(ctx, e, state.hosts[e]?.engine));
}

/** The published network first (its consumers disconnected, on every engine), then the environment's own. */
async function removeNetworks(ctx: Context, record: Environment, others: Context[]): Promise<void> {
  const published = sharedNetworkName(record.name);
  for (const other of others) {
    try {
      await disconnectAll(other, published);
    } catch (e) {
      if (!(e instanceof EngineUnreachableError)) throw e;
      ctx.log.warn(`could not disconnect the containers of engine ${other.engine.name} from ${published}: ${e.reason}`);
    }
  }
  await disconnectAll(ctx, published);
  await removeOwnedNetwork(ctx, published);
  for (const n of Object.values(networksOf(record))) await removeOwnedNetwork(ctx, n.name);
  // Their locks go too: nobody creates these names while the environment is `destroying`.
  for (const n of [published, ...Object.values(networksOf(record)).map((x) => x.name)])
    rmSync(networkLockFile(ctx.home, n), { force: true });
}

/**
 * Destroys environment `name` on its engine, which must answer as the one state recorded: an engine that
 * does not answer stops the destroy before anything changes.
 */
export async function destroyEnvironment(
  ctxGiven: Context,
  name: string,
  { force, keepWorktree = false }: { force: boolean; keepWorktree?: boolean },
): Promise<DestroyReport> {
  validateName(name, 'environment name');
  const snapshot = ctxGiven.store.read();
  const ctx = bindToEnvironment(ctxGiven, snapshot, name);
  const worktree = keepWorktree ? undefined : findEnvByName(snapshot, name)?.[1].worktree;
  if (worktree) await checkWorktreeRemovable(ctx, name, worktree, force);
  if (findEnvByName(snapshot, name)) checkIdentity(snapshot, ctx.engine.name, await ctx.docker.engineInfo());
  const decided = await ctx.store.update((state) => {
    const decision = decideDestroy(state, name, force, new Date().toISOString());
    return { ...decision, state, others: otherEngines(ctx, state, decision.consumers, sharedNetworkName(name)) };
  });
  const { key, record, consumers, others } = decided;
  for (const [net, keys] of Object.entries(consumers))
    ctx.log.warn(`destroying ${net} breaks ${keys.join(', ')}: disconnecting them; they keep running without it`);
  try {
    // Its names stop resolving before its containers go, and the router leaves its networks.
    await refreshRecords(ctx, decided.state);
    await syncRouter(ctx).catch((e: unknown) => ctx.log.warn(`the router was not updated: ${(e as Error).message}`));
    await removeContainersAndVolumes(ctx, record);
    await removeNetworks(ctx, record, others);
  } catch (e) {
    // Stopped half way: the record stays, marked `destroying`, so that the same command finishes the work.
    const signal = interruption();
    throw signal ? new InterruptedError(signal, `run 'cilo destroy ${name}' again to finish`) : e;
  }
  const state = await ctx.store.update((s) => {
    deleteEnvironment(s, key);
    return s;
  });
  await refreshRecords(ctx, state);
  await syncForwards(ctx).catch((e: unknown) => ctx.log.warn(`its forwards were not closed: ${(e as Error).message}`));
  rmSync(envDir(ctx.home, name), { recursive: true, force: true });
  const removed = worktree && (await removeWorktree(ctx, worktree)) ? worktree.path : undefined;
  return { key, brokeConsumers: consumers, state, worktreeRemoved: removed };
}
