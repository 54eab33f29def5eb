// Making an environment ready for a Compose command: register it (first use), allocate its subnets and
// service addresses, record shared-network references, create its networks and write the override.
// Docker calls run outside the state lock; every decision is taken inside one locked update (register.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { UserError } from '../errors/index.js';
import type { EngineInfo, NetworkInfo } from '../docker/docker.js';
import type { ProjectSelector } from '../compose/command.js';
import { loadProject, type ProjectModel } from '../compose/model.js';
import { renderOverride } from '../compose/override.js';
import type { XCilo } from '../compose/x-cilo.js';
import { ensureNetwork, removeOwnedNetwork, SubnetTakenError } from '../network/networks.js';
import { envNetworkName, sharedNetworkName, validateName, validateSuffix } from '../state/names.js';
import { envDir, overrideFile } from '../state/paths.js';
import { deleteEnvironment, releaseSubnet } from '../state/references.js';
import {
  engineOf,
  findEnvByName,
  environmentsOf,
  networksOf,
  type Environment,
  type SharedScope,
  type State,
} from '../state/schema.js';
import { writeFileAtomic } from '../state/store.js';
import type { Context } from '../context.js';
import { networkSpecs, validateModel } from './layout.js';
import { overrideFor } from './override-plan.js';
import { alreadyExists, publishes, register, type CreateShared, type RegisterInput } from './register.js';
import { checkIdentity } from './engines.js';
import { describeMissingNetwork } from './shared-networks.js';
import { checkCanPublish, checkSwarmJoin, subnetsOnOtherEngines } from './swarm.js';

export interface PrepareRequest {
  selector: ProjectSelector;
  /** The compose project directory (the environment's source). */
  source: string;
  /** Files to remember for `cilo up` (only when given explicitly, not discovered). */
  rememberFiles?: string[];
  xcilo: XCilo;
  /** The project when the files alone tell it (projectFromFiles); otherwise Compose is asked. */
  model?: ProjectModel;
  /** The state as the caller read it (a fresh one is read under the lock for the decision). */
  snapshot: State;
  /** `docker network inspect cilo-<env>`, started early by the caller. */
  envNetwork?: Promise<NetworkInfo | undefined>;
  /** From `cilo` flags; they add to what x-cilo says. */
  cli?: { project?: string; sharedNetworks?: string[]; createShared?: boolean; sharedScope?: SharedScope };
  /** `--scale svc=N` of the command line. */
  scale?: Record<string, number>;
  /** `cilo create`: the name must be new. Otherwise an unknown environment is registered on first use. */
  mustBeNew?: boolean;
  /** Create networks and write the override (false for `cilo create`, which only registers). */
  materialize: boolean;
}

export interface Prepared {
  key: string;
  record: Environment;
  /** The state as the locked decision wrote it. */
  state: State;
  model: ProjectModel;
  overridePath: string;
  /** This call registered the environment: a failure later must undo it (see rollbackRegistration). */
  registeredNow: boolean;
  createdNetworks: string[];
  /** Swarm networks this engine does not see yet, which Compose needs an anchor to join (core/swarm.ts). */
  anchors: string[];
  /** The engine, as it answered. */
  engineInfo: EngineInfo;
}

const union = (...lists: (readonly string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];

/** What the files and flags ask for, given what the environment already has (before any Docker work). */
function wanted(ctx: Context, req: PrepareRequest, known: Environment | undefined) {
  const name = validateName(req.selector.name, 'environment name');
  // Fails fast before any Docker work; register() decides again on a fresh read under the lock.
  if (req.mustBeNew && known) throw alreadyExists(name, known);
  const createShared: CreateShared = req.cli?.createShared ? true : (req.xcilo.createShared ?? known?.create_shared);
  const project = req.cli?.project
    ? { value: req.cli.project, from: '--project' }
    : req.xcilo.project
      ? { value: req.xcilo.project, from: 'x-cilo.project' }
      : undefined;
  return {
    name,
    suffix: validateSuffix(req.xcilo.dnsSuffix ?? ctx.settings.dns.suffix),
    joined: union(known?.shared_networks, req.xcilo.sharedNetworks, req.cli?.sharedNetworks),
    createShared,
    sharedScope: req.cli?.sharedScope ?? req.xcilo.sharedScope,
    project,
  };
}

type Wanted = ReturnType<typeof wanted>;

/** The project model, checked for what cilo cannot isolate; `createShared` naming real services. */
async function projectModel(ctx: Context, req: PrepareRequest, w: Wanted): Promise<ProjectModel> {
  const model = await loadProject(ctx.docker, req.selector, ctx.cwd, (s) => ctx.writeStderr(s), req.model);
  validateModel(model);
  if (Array.isArray(w.createShared)) {
    const unknown = w.createShared.filter((s) => !model.services.some((m) => m.name === s));
    if (unknown.length > 0)
      throw new UserError(
        `x-cilo.create-shared names ${unknown.map((s) => JSON.stringify(s)).join(', ')}, which ${unknown.length > 1 ? 'are not services' : 'is not a service'} of this project`,
        `services: ${model.services.map((s) => s.name).join(', ')}`,
      );
  }
  return model;
}

interface Inputs {
  model: ProjectModel;
  info: EngineInfo;
  anchors: string[];
}

/**
 * Docker work first, in parallel, outside the lock: the project, the Compose version, who the engine is,
 * the joined networks. A joined network this engine does not have is an error, unless it is an overlay of
 * its swarm that a worker sees only once something is attached (checkSwarmJoin).
 */
async function inspectInputs(ctx: Context, req: PrepareRequest, w: Wanted): Promise<Inputs> {
  const [model, , info, joinedInfo] = await Promise.all([
    projectModel(ctx, req, w),
    ctx.docker.composeVersion(),
    ctx.docker.engineInfo(),
    Promise.all(w.joined.map((n) => ctx.docker.inspectNetwork(n))),
  ]);
  checkIdentity(req.snapshot, ctx.engine.name, info);
  if (publishes(w.createShared) && (w.sharedScope ?? findEnvByName(req.snapshot, w.name)?.[1].shared_scope) === 'swarm')
    checkCanPublish(ctx, w.name, info);
  const anchors: string[] = [];
  for (const net of w.joined.filter((_, i) => !joinedInfo[i])) {
    if (!joinsAcrossEngines(ctx, req.snapshot, net, info))
      throw describeMissingNetwork(req.snapshot, net, ctx.engine.name);
    if (await checkSwarmJoin(ctx, req.snapshot, net, info)) anchors.push(net);
  }
  for (const s of model.services)
    if (s.networkMode)
      ctx.log.warn(
        `service ${s.name} uses network_mode ${JSON.stringify(s.networkMode)}: cilo leaves it alone (not isolated, published ports kept, no DNS name)`,
      );
  return { model, info, anchors };
}

/** A network published with shared-scope swarm on another engine, or any network a swarm worker cannot see. */
function joinsAcrossEngines(ctx: Context, state: State, net: string, info: EngineInfo): boolean {
  const record = state.shared_networks[net];
  const publisher = record && record.created_by !== 'external' ? engineOf(state, record.created_by) : undefined;
  if (publisher) return publisher !== ctx.engine.name && record!.scope === 'swarm';
  return info.swarm.state === 'active' && !info.swarm.manager;
}

function registerInput(
  ctx: Context,
  req: PrepareRequest,
  w: Wanted,
  model: ProjectModel,
  foreignSubnets: string[],
  id?: string,
): RegisterInput {
  const { pool, networkPrefix } = ctx.settings;
  const engine = { ...ctx.engine, id };
  return {
    ...w,
    source: req.source,
    rememberFiles: req.rememberFiles,
    model,
    scale: req.scale,
    mustBeNew: req.mustBeNew,
    pool,
    networkPrefix,
    foreignSubnets,
    engine,
    now: '',
  };
}

/**
 * Subnets of the Docker networks state does not hold. Networks named as state's are its own (their subnets
 * are in state already, and Docker refuses an overlap anyway: see the retry in prepareEnvironment).
 */
async function foreignSubnets(ctx: Context, snapshot: State): Promise<string[]> {
  const ours = new Set(
    Object.values(environmentsOf(snapshot)).flatMap((e) => [
      ...Object.values(networksOf(e)).map((n) => n.name),
      sharedNetworkName(e.name),
    ]),
  );
  return (await ctx.docker.listNetworks((name) => !ours.has(name))).flatMap((n) => n.subnets);
}

/**
 * What `config` shows for the environment, computed as `up` would on a copy of the state: the override,
 * and whether the environment is registered (a preview of an unregistered one has no addresses yet).
 * Writes nothing and creates nothing.
 */
export async function previewOverride(
  ctx: Context,
  req: PrepareRequest,
): Promise<{ text: string; registered: boolean }> {
  const known = findEnvByName(req.snapshot, req.selector.name)?.[1];
  const w = wanted(ctx, req, known);
  const model = await projectModel(ctx, req, w);
  const r = register(structuredClone(req.snapshot), {
    ...registerInput(ctx, req, w, model, []),
    now: new Date().toISOString(),
  });
  return { text: renderOverride(overrideFor(ctx.home, r.record, model, w.joined)), registered: !r.registeredNow };
}

/** Subnets a new subnet must not overlap besides state's: this engine's networks; for an overlay, every engine's. */
async function subnetsToAvoid(
  ctx: Context,
  req: PrepareRequest,
  w: Wanted,
  model: ProjectModel,
  known: Environment | undefined,
): Promise<string[]> {
  const publishesNew = publishes(w.createShared) && !known?.shared_subnet;
  if (known && !publishesNew && !model.networks.some((n) => !n.external && !known.networks?.[n.key])) return [];
  const overlay = publishesNew && (w.sharedScope ?? known?.shared_scope) === 'swarm';
  const [here, elsewhere] = await Promise.all([
    foreignSubnets(ctx, req.snapshot),
    overlay ? subnetsOnOtherEngines(ctx, req.snapshot) : [],
  ]);
  return [...here, ...elsewhere];
}

export async function prepareEnvironment(ctx: Context, req: PrepareRequest): Promise<Prepared> {
  const known = findEnvByName(req.snapshot, req.selector.name)?.[1];
  const w = wanted(ctx, req, known);
  const { model, info, anchors } = await inspectInputs(ctx, req, w);
  // An unreachable engine fails here, before anything is written.
  const envNetwork = req.materialize ? await req.envNetwork : undefined;
  const input = registerInput(ctx, req, w, model, await subnetsToAvoid(ctx, req, w, model, known), info.id);
  for (let attempt = 0; ; attempt++) {
    const r = await ctx.store.update((state) => register(state, { ...input, now: new Date().toISOString() }));
    const prepared: Prepared = {
      ...r,
      model,
      overridePath: overrideFile(ctx.home, w.name),
      createdNetworks: [],
      anchors,
      engineInfo: info,
    };
    if (!req.materialize) return prepared;
    try {
      await materialize(ctx, prepared, w.joined, attempt === 0 ? envNetwork : undefined);
      return prepared;
    } catch (e) {
      if (!(e instanceof SubnetTakenError) || attempt >= 5 || (!r.registeredNow && e.subnet === r.record.subnet)) {
        if (r.registeredNow) await rollbackRegistration(ctx, prepared);
        throw subnetError(e, w.name, r.registeredNow ? undefined : r.record.subnet);
      }
      // A network outside cilo took the subnet since we looked: release it and allocate again.
      input.foreignSubnets = [...input.foreignSubnets, e.subnet];
      await ctx.store.update((state) => releaseSubnet(state, r.key, e.subnet));
      if (r.registeredNow) await rollbackRegistration(ctx, prepared);
    }
  }
}

/**
 * The error to show for a failed materialize: a subnet Docker keeps refusing gets a cilo message.
 * `keptSubnet`: the subnet of an environment registered earlier, which cilo cannot simply replace.
 */
function subnetError(e: unknown, name: string, keptSubnet: string | undefined): unknown {
  if (!(e instanceof SubnetTakenError)) return e;
  if (e.subnet === keptSubnet)
    return new UserError(
      `the subnet ${keptSubnet} of ${name} is now used by another Docker network, and ${envNetworkName(name)} is gone`,
      `remove that network, or 'cilo destroy ${name}' and start it again to get a new subnet`,
    );
  return new UserError(
    `no subnet could be reserved for ${name}: ${e.message} (five tries)`,
    'see `docker network ls` for networks in CILO_SUBNET_POOL',
  );
}

/** Creates the environment's networks (those missing) and writes its override. */
async function materialize(ctx: Context, p: Prepared, joined: string[], envNetwork?: NetworkInfo): Promise<void> {
  for (const spec of networkSpecs(ctx.home, p.record)) {
    const seen = spec.name === envNetwork?.name ? envNetwork : undefined;
    if (await ensureNetwork(ctx, spec, seen)) p.createdNetworks.push(spec.name);
  }
  mkdirSync(envDir(ctx.home, p.record.name), { recursive: true, mode: 0o700 });
  writeFileAtomic(p.overridePath, renderOverride(overrideFor(ctx.home, p.record, p.model, joined)));
}

/** Undoes a registration made by a command that then failed: networks it created, state entry, files. */
export async function rollbackRegistration(ctx: Context, p: Prepared): Promise<void> {
  for (const net of [...p.createdNetworks].reverse()) {
    try {
      await removeOwnedNetwork(ctx, net);
    } catch (e) {
      ctx.log.warn(`could not remove ${net} while undoing the failed registration: ${(e as Error).message}`);
    }
  }
  await ctx.store.update((state) => deleteEnvironment(state, p.key));
  rmSync(envDir(ctx.home, p.record.name), { recursive: true, force: true });
}
