// Shared networks across the engines of a Docker Swarm (docs/DESIGN.md §8, "Across engines"): a publisher on
// a manager publishes an attachable overlay network; consumers on any engine of the swarm join it. What Docker
// and Compose do not check themselves is checked here, each failure naming the engine and what to do.
import { UserError } from '../../errors/index.js';
import { versionAtLeast, parseComposeVersion, type EngineInfo } from '../../docker/objects.js';
import { subnetsOverlap } from '../../network/subnet.js';
import { publisherOf } from '../../state/references.js';
import type { State } from '../../state/schema.js';
import type { Context } from '../../context.js';
import { probeEngine } from './engines.js';

/** Compose from this version attaches a worker to an external overlay itself (commit 25f85938b). */
export const COMPOSE_JOINS_OVERLAYS = [2, 29, 0] as const;

const swarmState = (info: EngineInfo) =>
  info.swarm.state === 'active'
    ? info.swarm.manager
      ? 'a manager'
      : 'a worker'
    : `not in a swarm (Swarm: ${info.swarm.state || 'inactive'})`;

/** A swarm-scoped network is an overlay, which only a swarm manager creates. */
export function checkCanPublish(ctx: Context, name: string, info: EngineInfo): void {
  if (info.swarm.state === 'active' && info.swarm.manager) return;
  throw new UserError(
    `${name} publishes with shared-scope swarm, but engine ${ctx.engine.name} is ${swarmState(info)}: only a swarm manager creates overlay networks`,
    info.swarm.state === 'active'
      ? 'publish it from a manager of the swarm'
      : `make the engine a swarm manager ('docker swarm init'), or publish with shared-scope local`,
  );
}

/**
 * Subnets of every other engine cilo knows that answers: an overlay spans them all, and Docker accepts an
 * overlapping one at create, failing only when a container attaches on the other engine, 20 s later.
 */
export async function subnetsOnOtherEngines(ctx: Context, state: State): Promise<string[]> {
  const others = Object.keys(state.hosts).filter(
    (e) => e !== ctx.engine.name && Object.keys(state.hosts[e]!.environments).length > 0,
  );
  const answers = await Promise.all(others.map((e) => probeEngine(ctx, state, e)));
  const lists = await Promise.all(
    answers.map(async (a) => {
      if (a.status === 'ok')
        return (await a.ctx.docker.listNetworks()).filter((n) => n.scope !== 'swarm').flatMap((n) => n.subnets);
      ctx.log.warn(
        `engine ${a.engine} ${a.status === 'unreachable' ? 'does not answer' : 'is not the one state recorded'}: its networks were not checked for overlaps with the overlay's subnet`,
      );
      return [];
    }),
  );
  return lists.flat();
}

/**
 * A consumer joining swarm network `net` that its engine does not see (a worker sees an overlay only while a
 * container there is attached): the publisher's engine must have it, this engine must be a node of the same
 * swarm, and no network here may overlap it. Returns whether Compose needs an anchor to attach.
 */
export async function checkSwarmJoin(ctx: Context, state: State, net: string, here: EngineInfo): Promise<boolean> {
  const record = state.shared_networks[net];
  const publisher = publisherOf(state, net);
  const publisherEngine = publisher?.engine;
  if (here.swarm.state !== 'active')
    throw new UserError(
      `engine ${ctx.engine.name} cannot see the shared network ${net}: it is ${swarmState(here)}${publisherEngine ? `, and ${net} is an overlay of engine ${publisherEngine}'s swarm` : ''}`,
      publisherEngine
        ? `join engine ${ctx.engine.name} to that swarm ('docker swarm join-token worker' on ${publisherEngine} prints the command)`
        : `create ${net} on this engine, or join the swarm that has it`,
    );
  if (publisherEngine && publisherEngine !== ctx.engine.name) {
    const there = await probeEngine(ctx, state, publisherEngine);
    if (there.status !== 'ok')
      throw new UserError(
        `engine ${publisherEngine}, where ${net} is published, cannot be asked about it: ${there.reason}`,
        `start that engine, then try again`,
      );
    if (!there.info.swarm.managers.some((m) => here.swarm.managers.includes(m)))
      throw new UserError(
        `engine ${ctx.engine.name} cannot see the shared network ${net}: it is in another swarm than engine ${publisherEngine}, where ${net} is published`,
        `join engine ${ctx.engine.name} to the swarm of ${publisherEngine} ('docker swarm join-token worker' there prints the command)`,
      );
    if (!(await there.ctx.docker.inspectNetwork(net)))
      throw new UserError(
        `shared network ${net} does not exist on engine ${publisherEngine}, its publisher's`,
        `start its publisher again: cilo up ${publisher.name}`,
      );
  }
  if (record?.subnet) {
    const clash = (await ctx.docker.listNetworks()).find(
      (n) => n.name !== net && n.subnets.some((s) => subnetsOverlap(s, record.subnet!)),
    );
    if (clash)
      throw new UserError(
        `engine ${ctx.engine.name} has Docker network ${clash.name} (${clash.subnets.join(', ')}), which overlaps ${net} (${record.subnet}): a container there could not attach to ${net}`,
        `remove ${clash.name} from engine ${ctx.engine.name}, or destroy ${net}'s publisher and publish it again to get another subnet`,
      );
  }
  return !versionAtLeast(parseComposeVersion(await ctx.docker.composeVersion()) ?? [0], COMPOSE_JOINS_OVERLAYS);
}
