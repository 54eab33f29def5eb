// The steps of an environment's plan (environment.ts) that decide its record: registering it on first use, or
// checking that this command may use the registered one, then what it publishes, what it joins and its
// services' addresses. Pure functions on a state (a fresh read under the lock, or a copy for a preview).
import { basename } from 'node:path';
import { UserError } from '../../errors/index.js';
import type { ProjectModel, ServiceModel } from '../../compose/model.js';
import { allocateSubnet, assignStaticAddresses, type PoolConfig } from '../../network/subnet.js';
import { sharedNetworkName, toDnsLabel, validateName } from '../../state/names.js';
import { clearBroken, publisherOf, subnetsInUse } from '../../state/references.js';
import {
  addEnvironment,
  envKey,
  environmentsOf,
  findEnvByName,
  networksOf,
  type Environment,
  type AccessMode,
  type ServiceRecord,
  type SharedScope,
  type State,
} from '../../state/schema.js';
import { dnsLabelsForServices } from '../../dns/records.js';
import type { Engine } from '../../docker/engines.js';
import type { PortRange } from '../../settings.js';
import { publishedPorts, routedPorts } from './ports.js';
import {
  defaultIsManaged,
  envSubnetPrefix,
  layoutNetworks,
  movedAddress,
  pinnedIpam,
  primaryNetwork,
} from './layout.js';

export type CreateShared = boolean | string[] | undefined;

/** Everything an environment's plan is decided from, besides the state: what the files and flags ask for,
 * what Docker said (the project model, the engine, subnets of networks cilo does not track), the settings. */
export interface PlanInputs {
  name: string;
  /** The CILO_HOME (its identity labels every object cilo creates). */
  home: string;
  /** The compose project directory (the environment's source). */
  source: string;
  /** Files to remember for `cilo up` (only when given explicitly, not discovered). */
  rememberFiles?: string[];
  /** The project label asked for, and by what (`--project` or `x-cilo.project`). */
  project?: { value: string; from: string };
  suffix: string;
  model: ProjectModel;
  /** Shared networks the environment joins (known ones and new ones). */
  joined: readonly string[];
  createShared: CreateShared;
  /** `--scale svc=N` of the command line. */
  scale?: Readonly<Record<string, number>>;
  /** `cilo create`: the name must be new. */
  mustBeNew?: boolean;
  /** What a new record starts with besides (a worktree, a fork's origin); ignored for a registered one. */
  additions?: Pick<Environment, 'worktree' | 'forked_from' | 'empty_mounts' | 'labelled' | 'adopted_volumes' | 'keep'>;
  pool: PoolConfig;
  /** The size of the project's networks other than `default` (CILO_NETWORK_PREFIX). */
  networkPrefix: number;
  /** Subnets of Docker networks cilo does not track. */
  foreignSubnets: readonly string[];
  /**
   * The engine the environment is on (a new one is registered there), with the ID it answered with and how
   * the host reaches its containers (decided from what it said about itself: core/plan/access.ts).
   */
  engine: Engine & { id?: string; access?: AccessMode };
  /** Where the published network reaches (x-cilo.shared-scope, --shared-scope). */
  sharedScope?: SharedScope;
  /** How the host reaches this environment's services: CILO_ACCESS, x-cilo.access, or the engine's. */
  access: AccessMode;
  /** Where published ports come from (CILO_PORT_RANGE), and the ports the host or the engine holds. */
  ports: PortRange;
  foreignPorts: readonly number[];
  /** x-cilo.http: the router's port per service, or false for none. */
  http?: Readonly<Record<string, number | false>>;
  now: string;
}

export interface Registered {
  key: string;
  /** A copy of the record as written. */
  record: Environment;
  registeredNow: boolean;
  /** The state as written (the one the decision ran on). */
  state: State;
}

/** Does the environment publish a network, and is `service` one of those it exports there? */
export const publishes = (c: CreateShared) => c === true || (Array.isArray(c) && c.length > 0);
export const isExported = (c: CreateShared, service: string) => c === true || (Array.isArray(c) && c.includes(service));

export function alreadyExists(name: string, env: Environment): UserError {
  return new UserError(
    `environment ${name} already exists (source ${env.source})`,
    `use it with 'cilo up ${name}', or pick another name`,
  );
}

/** This command may use the registered environment `env`: same source, not being destroyed, same project. */
export function checkReuse(env: Environment, i: PlanInputs): void {
  const { name } = i;
  if (i.mustBeNew) throw alreadyExists(name, env);
  if (env.source !== i.source)
    throw new UserError(
      `environment ${name} belongs to ${env.source}, not ${i.source}`,
      `Compose would take over the other project's containers. Give this copy its own name: cilo-compose -p <other-name> ...`,
    );
  if (env.status === 'destroying')
    throw new UserError(
      `environment ${name} is being destroyed`,
      `wait for 'cilo destroy ${name}' to finish, then try again`,
    );
  if (i.project && i.project.value !== env.project)
    throw new UserError(
      `environment ${name} is registered under project ${env.project}, but ${i.project.from} says ${i.project.value}`,
      `the project is fixed at registration: 'cilo destroy ${name}' and create it again to change it`,
    );
}

/** A new record with its own subnet, added to state. */
export function addRecord(state: State, i: PlanInputs): [string, Environment] {
  const project = i.project?.value ?? (toDnsLabel(basename(i.source)) || 'default');
  validateName(project, 'project name');
  const key = envKey(project, i.name);
  if (environmentsOf(state)[key]) throw new Error(`state holds key ${key} under another name`);
  const subnet = allocateSubnet({ pool: i.pool.pool, prefix: envSubnetPrefix(i.model, i.pool) }, [
    ...subnetsInUse(state),
    ...i.foreignSubnets,
  ]);
  state.subnet_counter++;
  const record: Environment = {
    name: i.name,
    project,
    created_at: i.now,
    subnet,
    status: 'created',
    source: i.source,
    services: {},
    shared_networks: [],
    ...structuredClone(i.additions ?? {}),
  };
  addEnvironment(state, i.engine.name, key, record);
  return [key, record];
}

/** How to reach the engine again and who it is: recorded with its first environment, the ID once known. */
function recordEngine(state: State, engine: PlanInputs['engine']): void {
  const host = state.hosts[engine.name]!;
  host.engine ??= {
    ...(engine.endpoint.docker_host
      ? { docker_host: engine.endpoint.docker_host }
      : { context: engine.endpoint.context }),
  };
  if (engine.id && !host.engine.id) host.engine.id = engine.id;
  if (engine.access) host.engine.access = engine.access;
}

/** The container port the router sends a service's names to: x-cilo.http, else its first TCP `ports:` entry. */
function httpPort(s: ServiceModel, http: PlanInputs['http']): number | undefined {
  const asked = http?.[s.name];
  if (asked !== undefined) return asked === false ? undefined : asked;
  return s.ports.find((p) => p.protocol === 'tcp')?.target;
}

/** The environment's published ports (access `published`), decided without counting its own earlier ones. */
function recordPorts(state: State, env: Environment, i: PlanInputs): void {
  const previous = env.ports;
  delete env.ports;
  const ports = i.access === 'published' ? publishedPorts(state, { ...env, ports: previous }, i) : routedPorts(i.model);
  if (ports.length > 0) env.ports = ports;
}

/** The published network: its own subnet (docs/DESIGN.md §11, flaw 1), registered once, creator listed first.
 * A record left by a destroyed publisher of the same name is taken over, with its consumers. */
export function publish(state: State, key: string, env: Environment, i: PlanInputs): void {
  const net = sharedNetworkName(env.name);
  const scope = i.sharedScope ?? env.shared_scope ?? 'local';
  if (env.shared_subnet && scope !== (env.shared_scope ?? 'local'))
    throw new UserError(
      `${net} was published with shared-scope ${env.shared_scope ?? 'local'}; it cannot become ${scope} in place`,
      `a network's driver is fixed when Docker creates it: 'cilo destroy ${env.name}' and publish it again`,
    );
  env.create_shared = i.createShared;
  if (scope === 'swarm') env.shared_scope = 'swarm';
  env.shared_subnet ??= allocateSubnet(i.pool, [...subnetsInUse(state), ...i.foreignSubnets]);
  const existing = state.shared_networks[net];
  // Live when its creator is this environment and still among its references (destroy drops it).
  if (existing?.created_by === key && existing.referenced_by.includes(key)) return;
  state.subnet_counter++;
  const consumers = (existing?.referenced_by ?? []).filter((k) => k !== key);
  state.shared_networks[net] = {
    name: net,
    created_by: key,
    created_at: i.now,
    referenced_by: [key, ...consumers],
    subnet: env.shared_subnet,
    ...(scope === 'swarm' ? { scope } : {}),
  };
}

/**
 * References to joined networks, recorded together with the environment. A publisher being destroyed has
 * passed its reference check already: joining now would leave a reference to a removed network.
 */
export function recordJoins(state: State, key: string, env: Environment, joined: readonly string[], now: string): void {
  for (const net of joined) {
    const publisher = publisherOf(state, net);
    if (publisher?.env?.status === 'destroying')
      throw new UserError(
        `shared network ${net} is being removed: its publisher ${publisher.key} is being destroyed`,
        `nothing was created or started; publish it again (cilo up <name> --create-shared) and retry`,
      );
  }
  for (const net of joined) {
    if (!env.shared_networks.includes(net)) env.shared_networks.push(net);
    const record = (state.shared_networks[net] ??= {
      name: net,
      created_by: 'external',
      created_at: now,
      referenced_by: [],
    });
    if (!record.referenced_by.includes(key)) record.referenced_by.push(key);
    clearBroken(env, net);
  }
}

/**
 * Service records: cilo's static addresses on the environment network for single-replica services (kept
 * across ups), none for scaled ones; where the files pin the default network's subnet, their own addresses
 * moved into the environment's instead. A service off the environment network records which network its
 * addresses are on.
 */
export function serviceRecords(
  env: Environment,
  i: Pick<PlanInputs, 'model' | 'scale' | 'suffix' | 'createShared' | 'http'>,
): Record<string, ServiceRecord> {
  const isolated = i.model.services.filter((s) => !s.networkMode);
  const replicas = (s: ServiceModel) => i.scale?.[s.name] ?? s.replicas;
  const single = isolated.filter((s) => replicas(s) <= 1);
  const pinnedDefault =
    defaultIsManaged(i.model) && pinnedIpam(i.model.networks.find((n) => n.key === 'default')) !== undefined;
  const onEnvNetwork = single
    .filter((s) => primaryNetwork(s, i.model) === undefined && !pinnedDefault)
    .map((s) => s.name);
  const previous = (field: 'ip' | 'shared_ip') =>
    Object.fromEntries(Object.values(env.services).map((s) => [s.name, s[field]]));
  const ips = assignStaticAddresses(env.subnet, onEnvNetwork, previous('ip'));
  const exported = single
    .filter((s) => publishes(i.createShared) && isExported(i.createShared, s.name))
    .map((s) => s.name);
  const sharedIps = env.shared_subnet ? assignStaticAddresses(env.shared_subnet, exported, previous('shared_ip')) : {};
  const labels = dnsLabelsForServices(isolated.map((s) => s.name));
  const nets = networksOf(env);
  const out: Record<string, ServiceRecord> = {};
  for (const s of isolated) {
    const old = env.services[s.name];
    const ip = ips[s.name] ?? (pinnedDefault ? movedAddress(s, 'default', i.model, nets) : undefined);
    const primary = primaryNetwork(s, i.model);
    const network =
      primary === undefined
        ? undefined
        : (nets[primary]?.name ?? i.model.networks.find((n) => n.key === primary)?.name ?? primary);
    out[s.name] = {
      name: s.name,
      dns_name: `${labels[s.name]}.${env.name}.${i.suffix}`,
      ...(ip ? { ip } : {}),
      ...(sharedIps[s.name] ? { shared_ip: sharedIps[s.name] } : {}),
      addresses: old?.addresses ?? [],
      ...(old?.shared_addresses ? { shared_addresses: old.shared_addresses } : {}),
      ...(network ? { network } : {}),
      replicas: replicas(s),
      ...(httpPort(s, i.http) !== undefined ? { http_port: httpPort(s, i.http) } : {}),
    };
  }
  return out;
}

/** The whole decision, on a fresh read of the state. Only a real change moves `updated_at`. */
export function register(state: State, i: PlanInputs): Registered {
  const found = findEnvByName(state, i.name);
  if (found) checkReuse(found[1], i);
  const [key, env] = found ?? addRecord(state, i);
  recordEngine(state, i.engine);
  const before = JSON.stringify(env);
  env.dns_suffix = i.suffix;
  if (i.rememberFiles) env.compose_files = i.rememberFiles;
  else delete env.compose_files;
  state.subnet_counter += layoutNetworks(state, env, i);
  if (publishes(i.createShared)) publish(state, key, env, i);
  recordJoins(state, key, env, i.joined, i.now);
  env.services = serviceRecords(env, i);
  env.access = i.access;
  recordPorts(state, env, i);
  if (!found || JSON.stringify(env) !== before) env.updated_at = i.now;
  return { key, record: structuredClone(env), registeredNow: !found, state };
}
