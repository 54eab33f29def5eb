// The inputs of an environment's plan that Docker has to tell: the project model, who the engine is, the
// joined networks, and the subnets a new network must not overlap. Read before the state lock is taken,
// in parallel; the plan itself (plan/environment.ts) is then decided under the lock without another Docker call.
import { basename } from 'node:path';
import { UsageError, UserError } from '../../errors/index.js';
import type { EngineInfo, NetworkInfo } from '../../docker/objects.js';
import type { ProjectSelector } from '../../compose/command.js';
import { loadProject, type ProjectModel } from '../../compose/model.js';
import type { XCilo } from '../../compose/x-cilo.js';
import {
  isSpecialUse,
  sharedNetworkName,
  SPECIAL_USE_SUFFIXES,
  validateDockerName,
  validateName,
  validateSuffix,
} from '../../state/names.js';
import { publisherOf } from '../../state/references.js';
import {
  environmentsOf,
  findEnvByName,
  networksOf,
  type AccessMode,
  type Environment,
  type SharedScope,
  type State,
} from '../../state/schema.js';
import type { Context } from '../../context.js';
import { checkIdentity } from './engines.js';
import { describeMissingNetwork } from './shared-networks.js';
import { checkCanPublish, checkSwarmJoin, subnetsOnOtherEngines } from './swarm.js';
import { checkModelNames, validateModel } from '../plan/layout.js';
import { alreadyExists, publishes, type CreateShared, type PlanInputs } from '../plan/register.js';
import { accessOf, engineAccess } from '../plan/access.js';
import { portsHeldByOthers } from './host-ports.js';

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
  /** The environment network `cilo-<env>` as the engine describes it, asked early by the caller. */
  envNetwork?: Promise<NetworkInfo | undefined>;
  /** From `cilo` flags; they add to what x-cilo says. */
  cli?: { project?: string; sharedNetworks?: string[]; createShared?: boolean; sharedScope?: SharedScope };
  /** `--scale svc=N` of the command line. */
  scale?: Record<string, number>;
  /** `cilo create`: the name must be new. Otherwise an unknown environment is registered on first use. */
  mustBeNew?: boolean;
  /** What the new record starts with besides (cilo create --worktree, cilo fork). */
  additions?: PlanInputs['additions'];
  /** Create networks and write the override (false for `cilo create`, which only registers). */
  materialize: boolean;
  /** `cilo create --adopt`: objects the project has already are taken over, never removed. */
  adopt?: boolean;
}

const union = (...lists: (readonly string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];

/** What the files and flags ask for, given what the environment already has (before any Docker work). */
export function requested(ctx: Context, req: PrepareRequest, known: Environment | undefined) {
  const name = validateName(req.selector.name, 'environment name');
  for (const n of req.cli?.sharedNetworks ?? [])
    validateDockerName(n, 'network name', '--shared-network', 'cilo-shared-db');
  // Fails fast before any Docker work; the plan decides again on a fresh read under the lock.
  if (req.mustBeNew && known) throw alreadyExists(name, known);
  const createShared: CreateShared = req.cli?.createShared ? true : (req.xcilo.createShared ?? known?.create_shared);
  const project = req.cli?.project
    ? { value: req.cli.project, from: '--project' }
    : req.xcilo.project
      ? { value: req.xcilo.project, from: 'x-cilo.project' }
      : undefined;
  return {
    name,
    suffix: allowedSuffix(ctx, req),
    joined: union(known?.shared_networks, req.xcilo.sharedNetworks, req.cli?.sharedNetworks),
    createShared,
    sharedScope: req.cli?.sharedScope ?? req.xcilo.sharedScope,
    project,
    http: req.xcilo.http,
  };
}

export type Requested = ReturnType<typeof requested>;

/**
 * The DNS suffix of the environment: the user's own (CILO_DNS_SUFFIX), or the files' when it is reserved for
 * local use or the user allowed it (docs/DESIGN.md §13: a cloned repository must not claim `.com` here).
 */
function allowedSuffix(ctx: Context, req: PrepareRequest): string {
  const asked = req.xcilo.dnsSuffix;
  if (asked === undefined) return ctx.settings.dns.suffix;
  validateSuffix(asked);
  const { suffix, allowedSuffixes } = ctx.settings.dns;
  if (isSpecialUse(asked) || asked === suffix || allowedSuffixes.includes(asked)) return asked;
  const files = req.selector.files.map((f) => basename(f)).join(', ');
  throw new UsageError(
    `x-cilo.dns-suffix ${JSON.stringify(asked)} (${files}) is not reserved for local use: cilo would answer every name under .${asked} on this host`,
    `use one of ${SPECIAL_USE_SUFFIXES.join(', ')} (e.g. dns-suffix: test); to serve .${asked} all the same, allow it yourself: export CILO_DNS_SUFFIXES_ALLOWED=${asked}`,
  );
}

/** The project model, checked for what cilo cannot isolate; `createShared` naming real services. */
export async function projectModel(ctx: Context, req: PrepareRequest, w: Requested): Promise<ProjectModel> {
  const model = await loadProject(ctx.docker, req.selector, ctx.cwd, (s) => ctx.writeStderr(s), req.model);
  checkModelNames(model, req.selector.files);
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

export interface DockerInputs {
  model: ProjectModel;
  info: EngineInfo;
  /** Swarm networks this engine does not see yet, which Compose needs an anchor to join (swarm.ts). */
  anchors: string[];
  access: Access;
  /** Host ports the engine's containers of other homes publish (access `published`). */
  foreignPorts: number[];
}

/** The access the engine gives (as state recorded it, or decided now), and the environment's own. */
export interface Access {
  engine: AccessMode;
  mode: AccessMode;
}

/** The engine's access as state recorded it, else decided from `info`; the environment's from it and the asks. */
export function accessFor(ctx: Context, req: PrepareRequest, info: EngineInfo | undefined): Access {
  const recorded = req.snapshot.hosts[ctx.engine.name]?.engine?.access;
  const engine = recorded ?? (info ? engineAccess(info, ctx.docker.isLocal()).mode : 'routed');
  return { engine, mode: accessOf(ctx.settings, req.xcilo.access, engine) };
}

/**
 * Docker work first, in parallel, outside the lock: the project, the Compose version, who the engine is,
 * the joined networks. A joined network this engine does not have is an error, unless it is an overlay of
 * its swarm that a worker sees only once something is attached (checkSwarmJoin).
 */
export async function dockerInputs(ctx: Context, req: PrepareRequest, w: Requested): Promise<DockerInputs> {
  const [model, , info, joinedInfo] = await Promise.all([
    projectModel(ctx, req, w),
    ctx.docker.composeVersion(),
    ctx.docker.engineInfo(),
    Promise.all(w.joined.map((n) => ctx.docker.inspectNetwork(n))),
  ]);
  checkIdentity(req.snapshot, ctx.engine.name, info);
  const scope = w.sharedScope ?? findEnvByName(req.snapshot, w.name)?.[1].shared_scope;
  if (publishes(w.createShared) && scope === 'swarm') checkCanPublish(ctx, w.name, info);
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
  const access = accessFor(ctx, req, info);
  const foreignPorts = access.mode === 'published' ? await portsHeldByOthers(ctx) : [];
  return { model, info, anchors, access, foreignPorts };
}

/** A network published with shared-scope swarm on another engine, or any network a swarm worker cannot see. */
function joinsAcrossEngines(ctx: Context, state: State, net: string, info: EngineInfo): boolean {
  const publisher = publisherOf(state, net);
  if (publisher?.engine) return publisher.engine !== ctx.engine.name && state.shared_networks[net]!.scope === 'swarm';
  return info.swarm.state === 'active' && !info.swarm.manager;
}

/** The plan's inputs from the request, what it asks for, the model and the subnets to avoid. */
export function planInputs(
  ctx: Context,
  req: PrepareRequest,
  w: Requested,
  known: { model: ProjectModel; access: Access; foreignSubnets: string[]; foreignPorts: number[]; id?: string },
): PlanInputs {
  const { pool, networkPrefix, ports } = ctx.settings;
  const { model, access, foreignSubnets, foreignPorts, id } = known;
  return {
    ...w,
    home: ctx.home,
    source: req.source,
    rememberFiles: req.rememberFiles,
    model,
    scale: req.scale,
    mustBeNew: req.mustBeNew,
    additions: req.additions,
    pool,
    networkPrefix,
    foreignSubnets,
    engine: { ...ctx.engine, id, access: access.engine },
    access: access.mode,
    ports,
    foreignPorts,
    now: new Date().toISOString(),
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
 * Subnets a new subnet must not overlap besides state's: this engine's networks; for an overlay, every
 * engine's. None when the environment needs no new subnet.
 */
export async function subnetsToAvoid(
  ctx: Context,
  req: PrepareRequest,
  w: Requested,
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
