// Making an environment ready for a Compose command: register it (first use), allocate its subnets and
// service addresses, record shared-network references, create its networks and write the override.
// Docker calls run outside the state lock; every decision is taken inside one locked update (register.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { UserError } from '../errors/index.js';
import type { NetworkInfo } from '../docker/docker.js';
import type { ProjectSelector } from '../compose/command.js';
import { loadServices, type ServiceModel } from '../compose/model.js';
import { renderOverride, type OverrideService } from '../compose/override.js';
import type { XCilo } from '../compose/x-cilo.js';
import { ensureNetwork, LABEL_SHARED, networkLabels, removeOwnedNetwork, SubnetTakenError } from '../network/networks.js';
import { envNetworkName, sharedNetworkName, validateName, validateSuffix } from '../state/names.js';
import { envDir, homeId, overrideFile } from '../state/paths.js';
import { deleteEnvironment, releaseSharedSubnet } from '../state/references.js';
import { findEnvByName, type Environment, type State } from '../state/schema.js';
import { writeFileAtomic } from '../state/store.js';
import type { Context } from '../context.js';
import { alreadyExists, isExported, publishes, register, type CreateShared, type RegisterInput } from './register.js';
import { describeMissingNetwork } from './shared-networks.js';

export interface PrepareRequest {
  selector: ProjectSelector;
  /** The compose project directory (the environment's source). */
  source: string;
  /** Files to remember for `cilo up` (only when given explicitly, not discovered). */
  rememberFiles?: string[];
  xcilo: XCilo;
  /** The services when the files alone tell them (servicesFromFiles); otherwise Compose is asked. */
  services?: ServiceModel[];
  /** The state as the caller read it (a fresh one is read under the lock for the decision). */
  snapshot: State;
  /** `docker network inspect cilo-<env>`, started early by the caller. */
  envNetwork?: Promise<NetworkInfo | undefined>;
  /** From `cilo` flags; they add to what x-cilo says. */
  cli?: { project?: string; sharedNetworks?: string[]; createShared?: boolean };
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
  overridePath: string;
  /** This call registered the environment: a failure later must undo it (see rollbackRegistration). */
  registeredNow: boolean;
  createdNetworks: string[];
}

const union = (...lists: (readonly string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];

/** What the files and flags ask for, given what the environment already has (before any Docker work). */
function wanted(ctx: Context, req: PrepareRequest, known: Environment | undefined) {
  const name = validateName(req.selector.name, 'environment name');
  // Fails fast before any Docker work; register() decides again on a fresh read under the lock.
  if (req.mustBeNew && known) throw alreadyExists(name, known);
  const createShared: CreateShared = req.cli?.createShared ? true : (req.xcilo.createShared ?? known?.create_shared);
  const project = req.cli?.project ? { value: req.cli.project, from: '--project' } : req.xcilo.project ? { value: req.xcilo.project, from: 'x-cilo.project' } : undefined;
  return {
    name,
    suffix: validateSuffix(req.xcilo.dnsSuffix ?? ctx.settings.dns.suffix),
    joined: union(known?.shared_networks, req.xcilo.sharedNetworks, req.cli?.sharedNetworks),
    createShared,
    project,
  };
}

/** Docker work first, in parallel, outside the lock: the services, the Compose version, the joined networks. */
async function inspectInputs(ctx: Context, req: PrepareRequest, w: ReturnType<typeof wanted>): Promise<ServiceModel[]> {
  const [services, , joinedInfo] = await Promise.all([
    loadServices(ctx.docker, req.selector, ctx.cwd, ctx.writeStderr, req.services),
    ctx.docker.composeVersion(),
    Promise.all(w.joined.map((n) => ctx.docker.inspectNetwork(n))),
  ]);
  const missing = w.joined.filter((_, i) => !joinedInfo[i]);
  if (missing.length > 0) throw describeMissingNetwork(req.snapshot, missing[0]!);
  if (Array.isArray(w.createShared)) {
    const unknown = w.createShared.filter((s) => !services.some((m) => m.name === s));
    if (unknown.length > 0)
      throw new UserError(
        `x-cilo.create-shared names ${unknown.map((s) => JSON.stringify(s)).join(', ')}, which ${unknown.length > 1 ? 'are not services' : 'is not a service'} of this project`,
        `services: ${services.map((s) => s.name).join(', ')}`,
      );
  }
  for (const s of services)
    if (s.networkMode)
      ctx.log.warn(`service ${s.name} uses network_mode ${JSON.stringify(s.networkMode)}: cilo leaves it alone (not isolated, published ports kept, no DNS name)`);
  return services;
}

export async function prepareEnvironment(ctx: Context, req: PrepareRequest): Promise<Prepared> {
  const known = findEnvByName(req.snapshot, req.selector.name)?.[1];
  const w = wanted(ctx, req, known);
  const services = await inspectInputs(ctx, req, w);
  // An unreachable engine fails here, before anything is written.
  const envNetwork = req.materialize ? await req.envNetwork : undefined;
  const needSubnets = !known || (publishes(w.createShared) && !known.shared_subnet);
  const input: RegisterInput = {
    ...w,
    source: req.source,
    rememberFiles: req.rememberFiles,
    services,
    scale: req.scale,
    mustBeNew: req.mustBeNew,
    pool: ctx.settings.pool,
    foreignSubnets: needSubnets ? (await ctx.docker.listNetworks()).flatMap((n) => n.subnets) : [],
    now: '',
  };
  for (let attempt = 0; ; attempt++) {
    const r = await ctx.store.update((state) => register(state, { ...input, now: new Date().toISOString() }));
    const prepared: Prepared = { ...r, overridePath: overrideFile(ctx.home, w.name), createdNetworks: [] };
    if (!req.materialize) return prepared;
    try {
      await materialize(ctx, prepared, services, w.joined, attempt === 0 ? envNetwork : undefined);
      return prepared;
    } catch (e) {
      if (!(e instanceof SubnetTakenError) || attempt >= 5 || (!r.registeredNow && e.subnet === r.record.subnet)) {
        if (r.registeredNow) await rollbackRegistration(ctx, prepared);
        throw subnetError(e, w.name, r.registeredNow ? undefined : r.record.subnet);
      }
      // A network outside cilo took the subnet since we looked: release it and allocate again.
      input.foreignSubnets = [...input.foreignSubnets, e.subnet];
      await ctx.store.update((state) => releaseSharedSubnet(state, r.key, e.subnet));
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
  return new UserError(`no subnet could be reserved for ${name}: ${e.message} (five tries)`, 'see `docker network ls` for networks in CILO_SUBNET_POOL');
}

async function materialize(ctx: Context, p: Prepared, services: ServiceModel[], joined: string[], envNetwork?: NetworkInfo): Promise<void> {
  const { record } = p;
  const labels = networkLabels(ctx.home, record);
  if (await ensureNetwork(ctx, { name: envNetworkName(record.name), subnet: record.subnet, labels }, envNetwork)) p.createdNetworks.push(envNetworkName(record.name));
  const published = record.shared_subnet ? sharedNetworkName(record.name) : undefined;
  if (published && (await ensureNetwork(ctx, { name: published, subnet: record.shared_subnet!, labels: { ...labels, [LABEL_SHARED]: 'true' } })))
    p.createdNetworks.push(published);

  const overrideServices: OverrideService[] = services
    .filter((s) => !s.networkMode)
    .map((s) => {
      const rec = record.services[s.name]!;
      return {
        name: s.name,
        networks: s.networks,
        dnsName: rec.dns_name,
        ip: rec.ip,
        sharedIp: rec.shared_ip,
        exportedScaled: !rec.ip && published !== undefined && isExported(record.create_shared, s.name),
        renameContainer: s.hasContainerName,
      };
    });
  mkdirSync(envDir(ctx.home, record.name), { recursive: true, mode: 0o700 });
  writeFileAtomic(
    p.overridePath,
    renderOverride({
      envName: record.name,
      project: record.project,
      homeId: homeId(ctx.home),
      envNetwork: envNetworkName(record.name),
      publishedNetwork: published,
      joinedNetworks: joined.filter((n) => n !== published),
      services: overrideServices,
    }),
  );
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
