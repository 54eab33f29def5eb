// Making an environment ready for a Compose command: register it (first use), allocate its subnets and
// service addresses, record shared-network references, create its networks and write the override.
// Docker calls run outside the state lock; every decision is taken inside one locked update.
import { mkdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors/index.js';
import type { NetworkInfo } from '../docker/docker.js';
import { loadServices, type ProjectSelector, type ServiceModel } from '../compose/model.js';
import { renderOverride, type OverrideService } from '../compose/override.js';
import type { XCilo } from '../compose/x-cilo.js';
import { allocateSubnet, assignStaticAddresses, poolFromEnv } from '../network/subnet.js';
import {
  ensureNetwork,
  envNetworkName,
  LABEL_SHARED,
  networkLabels,
  removeOwnedNetwork,
  sharedNetworkName,
  SubnetTakenError,
} from '../network/networks.js';
import { toDnsLabel, validateName, validateSuffix } from '../state/names.js';
import { envDir, homeId, overrideFile } from '../state/paths.js';
import { envKey, findEnvByName, localEnvironments, type Environment, type ServiceRecord, type State } from '../state/schema.js';
import { readState, updateState, writeFileAtomic } from '../state/store.js';
import { defaultSuffix, dnsLabelsForServices } from '../dns/records.js';
import type { Context } from './context.js';
import { lockOptions } from './locking.js';
import { describeMissingNetwork, dropReferences } from './shared.js';

export interface PrepareRequest {
  selector: ProjectSelector;
  /** The compose project directory (the environment's source). */
  source: string;
  /** Files to remember for `cilo up` (only when given explicitly, not discovered). */
  rememberFiles?: string[];
  xcilo: XCilo;
  /** The services when the files alone tell them (servicesFromFiles); otherwise Compose is asked. */
  services?: ServiceModel[];
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
  env: Environment;
  overridePath: string;
  /** This call registered the environment: a failure later must undo it (see rollbackRegistration). */
  registeredNow: boolean;
  createdNetworks: string[];
}

function subnetsInState(state: State): string[] {
  const out: string[] = [];
  for (const env of Object.values(localEnvironments(state))) {
    if (env.subnet) out.push(env.subnet);
    if (env.shared_subnet) out.push(env.shared_subnet);
  }
  for (const net of Object.values(state.shared_networks)) if (net.subnet) out.push(net.subnet);
  return out;
}

const union = (...lists: (readonly string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];

export async function prepareEnvironment(ctx: Context, req: PrepareRequest): Promise<Prepared> {
  const name = validateName(req.selector.name, 'environment name');
  const suffix = validateSuffix(req.xcilo.dnsSuffix ?? defaultSuffix(ctx.env));
  const pool = poolFromEnv(ctx.env);
  const snapshot = readState(ctx.home);
  const known = findEnvByName(snapshot, name)?.[1];
  // Fails fast before any Docker work; register() decides again on a fresh read under the lock.
  if (req.mustBeNew && known) throw alreadyExists(name, known);

  const joined = union(known?.shared_networks, req.xcilo.sharedNetworks, req.cli?.sharedNetworks);
  const createShared = req.cli?.createShared ? true : (req.xcilo.createShared ?? known?.create_shared);
  const publishing = createShared === true || (Array.isArray(createShared) && createShared.length > 0);

  // Docker work first, in parallel, outside the lock.
  const [services, , joinedInfo] = await Promise.all([
    loadServices(ctx.docker, req.selector, ctx.cwd, ctx.writeStderr, req.services),
    ctx.docker.composeVersion(),
    Promise.all(joined.map((n) => ctx.docker.inspectNetwork(n))),
  ]);
  const missing = joined.filter((_, i) => !joinedInfo[i]);
  if (missing.length > 0) throw describeMissingNetwork(snapshot, missing[0]!);
  if (Array.isArray(createShared)) {
    const unknown = createShared.filter((s) => !services.some((m) => m.name === s));
    if (unknown.length > 0)
      throw new UserError(
        `x-cilo.create-shared names ${unknown.map((s) => JSON.stringify(s)).join(', ')}, which ${unknown.length > 1 ? 'are not services' : 'is not a service'} of this project`,
        `services: ${services.map((s) => s.name).join(', ')}`,
      );
  }
  for (const s of services)
    if (s.networkMode)
      ctx.log.warn(`service ${s.name} uses network_mode ${JSON.stringify(s.networkMode)}: cilo leaves it alone (not isolated, published ports kept, no DNS name)`);

  const needSubnets = !known || (publishing && !known.shared_subnet);
  let foreignSubnets = needSubnets ? (await ctx.docker.listNetworks()).flatMap((n) => n.subnets) : [];

  for (let attempt = 0; ; attempt++) {
    const { key, env, registeredNow } = await updateState(
      ctx.home,
      (state) => register(state, { req, name, suffix, services, joined, createShared, publishing, pool, foreignSubnets }),
      lockOptions(ctx),
    );
    const prepared: Prepared = { key, env, overridePath: overrideFile(ctx.home, name), registeredNow, createdNetworks: [] };
    if (!req.materialize) return prepared;
    try {
      await materialize(ctx, prepared, services, joined, attempt === 0 ? await req.envNetwork?.catch(() => undefined) : undefined);
      return prepared;
    } catch (e) {
      if (e instanceof SubnetTakenError && !registeredNow && e.subnet === env.subnet)
        throw new UserError(
          `the subnet ${env.subnet} of ${name} is now used by another Docker network, and ${envNetworkName(name)} is gone`,
          `remove that network, or 'cilo destroy ${name}' and start it again to get a new subnet`,
        );
      if (e instanceof SubnetTakenError && attempt < 5) {
        // A network outside cilo took the subnet since we looked: release it and allocate again.
        foreignSubnets = [...foreignSubnets, e.subnet];
        await updateState(ctx.home, (state) => releaseSubnet(state, key, e.subnet), lockOptions(ctx));
        if (registeredNow) await rollbackRegistration(ctx, prepared);
        continue;
      }
      if (registeredNow) await rollbackRegistration(ctx, prepared);
      if (e instanceof SubnetTakenError)
        throw new UserError(`no subnet could be reserved for ${name}: ${e.message} (five tries)`, 'see `docker network ls` for networks in CILO_SUBNET_POOL');
      throw e;
    }
  }
}

interface RegisterInput {
  req: PrepareRequest;
  name: string;
  suffix: string;
  services: ServiceModel[];
  joined: string[];
  createShared: boolean | string[] | undefined;
  publishing: boolean;
  pool: ReturnType<typeof poolFromEnv>;
  foreignSubnets: string[];
}

function alreadyExists(name: string, env: Environment): UserError {
  return new UserError(`environment ${name} already exists (source ${env.source})`, `use it with 'cilo up ${name}', or pick another name`);
}

/** The locked decision: runs on a fresh read of the state. */
function register(state: State, i: RegisterInput): { key: string; env: Environment; registeredNow: boolean } {
  const { req, name } = i;
  const now = new Date().toISOString();
  let found = findEnvByName(state, name);
  let registeredNow = false;
  if (found) {
    const [, env] = found;
    if (req.mustBeNew) throw alreadyExists(name, env);
    if (env.source !== req.source)
      throw new UserError(
        `environment ${name} belongs to ${env.source}, not ${req.source}`,
        `Compose would take over the other project's containers. Give this copy its own name: cilo-compose -p <other-name> ...`,
      );
    if (env.status === 'destroying') throw new UserError(`environment ${name} is being destroyed`, `wait for 'cilo destroy ${name}' to finish, then try again`);
    const wanted = req.cli?.project ?? req.xcilo.project;
    if (wanted && wanted !== env.project)
      throw new UserError(
        `environment ${name} is registered under project ${env.project}, but ${req.cli?.project ? '--project' : 'x-cilo.project'} says ${wanted}`,
        `the project is fixed at registration: 'cilo destroy ${name}' and create it again to change it`,
      );
  } else {
    const project = req.cli?.project ?? req.xcilo.project ?? (toDnsLabel(basename(req.source)) || 'default');
    validateName(project, 'project name');
    const key = envKey(project, name);
    if (localEnvironments(state)[key]) throw new Error(`state holds key ${key} under another name`);
    const subnet = allocateSubnet(i.pool, [...subnetsInState(state), ...i.foreignSubnets]);
    state.subnet_counter++;
    localEnvironments(state)[key] = {
      name,
      project,
      created_at: now,
      subnet,
      status: 'created',
      source: req.source,
      services: {},
      shared_networks: [],
    };
    found = [key, localEnvironments(state)[key]!];
    registeredNow = true;
  }
  const [key, env] = found;
  env.updated_at = now;
  env.dns_suffix = i.suffix;
  if (req.rememberFiles) env.compose_files = req.rememberFiles;
  else delete env.compose_files;

  // Published shared network: its own subnet (DESIGN.md §10.1), registered once, creator listed first. A
  // record left by a destroyed publisher of the same name is taken over, with its consumers.
  if (i.publishing) {
    env.create_shared = i.createShared;
    const net = sharedNetworkName(name);
    env.shared_subnet ??= allocateSubnet(i.pool, [...subnetsInState(state), ...i.foreignSubnets]);
    const existing = state.shared_networks[net];
    // Live when its creator is this environment and still among its references (destroy drops it).
    if (existing?.created_by !== key || !existing.referenced_by.includes(key)) {
      state.subnet_counter++;
      const consumers = (existing?.referenced_by ?? []).filter((k) => k !== key);
      state.shared_networks[net] = { name: net, created_by: key, created_at: now, referenced_by: [key, ...consumers], subnet: env.shared_subnet };
    }
  }

  // References to joined networks, recorded together with the environment. A publisher being destroyed
  // has passed its reference check already: joining now would leave a reference to a removed network.
  for (const net of i.joined) {
    const publisher = localEnvironments(state)[state.shared_networks[net]?.created_by ?? ''];
    if (publisher?.status === 'destroying')
      throw new UserError(
        `shared network ${net} is being removed: its publisher ${envKey(publisher.project, publisher.name)} is being destroyed`,
        `nothing was created or started; publish it again (cilo up <name> --create-shared) and retry`,
      );
  }
  for (const net of i.joined) {
    if (!env.shared_networks.includes(net)) env.shared_networks.push(net);
    const record = (state.shared_networks[net] ??= { name: net, created_by: 'external', created_at: now, referenced_by: [] });
    if (!record.referenced_by.includes(key)) record.referenced_by.push(key);
    if (env.broken_shared_networks) {
      env.broken_shared_networks = env.broken_shared_networks.filter((n) => n !== net);
      if (env.broken_shared_networks.length === 0) delete env.broken_shared_networks;
    }
  }

  // Services: static addresses for single-replica services (kept across ups), none for scaled ones.
  const isolated = i.services.filter((s) => !s.networkMode);
  const replicas = (s: ServiceModel) => req.scale?.[s.name] ?? s.replicas;
  const single = isolated.filter((s) => replicas(s) <= 1).map((s) => s.name);
  const previous = (field: 'ip' | 'shared_ip') => Object.fromEntries(Object.values(env.services).map((s) => [s.name, s[field]]));
  const ips = assignStaticAddresses(env.subnet, single, previous('ip'));
  const exported = (s: string) => i.publishing && (i.createShared === true || (Array.isArray(i.createShared) && i.createShared.includes(s)));
  const sharedIps = env.shared_subnet ? assignStaticAddresses(env.shared_subnet, single.filter(exported), previous('shared_ip')) : {};
  const labels = dnsLabelsForServices(isolated.map((s) => s.name));
  const services: Record<string, ServiceRecord> = {};
  for (const s of isolated) {
    const old = env.services[s.name];
    services[s.name] = {
      name: s.name,
      dns_name: `${labels[s.name]}.${name}.${i.suffix}`,
      ...(ips[s.name] ? { ip: ips[s.name] } : {}),
      ...(sharedIps[s.name] ? { shared_ip: sharedIps[s.name] } : {}),
      addresses: old?.addresses ?? [],
      ...(old?.shared_addresses ? { shared_addresses: old.shared_addresses } : {}),
      replicas: replicas(s),
    };
  }
  env.services = services;
  return { key, env: structuredClone(env), registeredNow };
}

function releaseSubnet(state: State, key: string, subnet: string): void {
  const env = localEnvironments(state)[key];
  if (!env) return;
  if (env.shared_subnet === subnet) {
    delete env.shared_subnet;
    const rec = state.shared_networks[sharedNetworkName(env.name)];
    if (rec?.subnet === subnet) delete state.shared_networks[sharedNetworkName(env.name)];
  }
}

async function materialize(ctx: Context, p: Prepared, services: ServiceModel[], joined: string[], envNetwork?: NetworkInfo): Promise<void> {
  const { env } = p;
  const labels = networkLabels(ctx.home, env);
  if (await ensureNetwork(ctx, { name: envNetworkName(env.name), subnet: env.subnet, labels }, envNetwork)) p.createdNetworks.push(envNetworkName(env.name));
  const published = env.shared_subnet ? sharedNetworkName(env.name) : undefined;
  if (published && (await ensureNetwork(ctx, { name: published, subnet: env.shared_subnet!, labels: { ...labels, [LABEL_SHARED]: 'true' } })))
    p.createdNetworks.push(published);

  const exportedAll = env.create_shared === true;
  const overrideServices: OverrideService[] = services
    .filter((s) => !s.networkMode)
    .map((s) => {
      const rec = env.services[s.name]!;
      return {
        name: s.name,
        networks: s.networks,
        dnsName: rec.dns_name,
        ip: rec.ip,
        sharedIp: rec.shared_ip,
        exportedScaled: !rec.ip && published !== undefined && (exportedAll || (Array.isArray(env.create_shared) && env.create_shared.includes(s.name))),
        renameContainer: s.hasContainerName,
      };
    });
  mkdirSync(envDir(ctx.home, env.name), { recursive: true, mode: 0o700 });
  writeFileAtomic(
    p.overridePath,
    renderOverride({
      envName: env.name,
      project: env.project,
      homeId: homeId(ctx.home),
      envNetwork: envNetworkName(env.name),
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
  await updateState(
    ctx.home,
    (state) => {
      const env = localEnvironments(state)[p.key];
      if (!env) return;
      dropReferences(state, p.key, env);
      delete localEnvironments(state)[p.key];
    },
    lockOptions(ctx),
  );
  rmSync(envDir(ctx.home, p.env.name), { recursive: true, force: true });
}
