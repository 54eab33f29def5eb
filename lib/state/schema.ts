// State schema v2 (docs/DESIGN.md §5). Extra fields beyond the seed's are allowed by design.
import { LOCAL_ENGINE } from '../docker/engines.js';
import { compareNames, envNetworkName } from './names.js';

export const STATE_VERSION = 2;

export type EnvStatus = 'created' | 'running' | 'stopped' | 'destroying';

export interface ServiceRecord {
  name: string;
  /** `<dns-label>.<env>.<suffix>`; the label is the service name normalized (dnsLabelsForServices, dns/records.ts). */
  dns_name: string;
  /** Static address on the env network; absent for scaled services. */
  ip?: string;
  /** Static address on the env's published shared network, for exported services. */
  shared_ip?: string;
  /** Addresses Docker actually gave the running replicas on the env network (empty when stopped). */
  addresses: string[];
  /** Addresses of the running replicas on the published shared network. */
  shared_addresses?: string[];
  /** The project network (key) `addresses` are on, when the service is not on the environment network. */
  network?: string;
  replicas: number;
  /** The container port the router sends `<service>.<env>.localhost` to (its first `ports:`, or x-cilo.http). */
  http_port?: number;
}

/**
 * A container port a service's files publish. In access `published` it is published on the host at
 * `host_port` (stable across ups, unique in state); in `routed` the host reaches it at the service's address.
 */
export interface PortRecord {
  service: string;
  target: number;
  protocol: string;
  host_ip?: string;
  /** The first host port; a scaled service's replicas take the ones after it (`replicas` in all). */
  host_port?: number;
  replicas?: number;
}

/** A network cilo creates for an environment, with what it needs to create it again. */
export interface NetworkRecord {
  /** The Docker name: `cilo-<env>` for the project's `default`, `<env>_<name>` for the others. */
  name: string;
  subnet: string;
  gateway?: string;
  ip_range?: string;
  aux_addresses?: Record<string, string>;
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
  /** The subnet the compose files pin: this one has its size, and pinned addresses keep their host part. */
  pinned?: string;
}

export interface Environment {
  name: string;
  project: string;
  created_at: string;
  subnet: string;
  status: EnvStatus;
  /** The compose project directory. */
  source: string;
  services: Record<string, ServiceRecord>;
  shared_networks: string[];
  // Fields beyond the seed's:
  updated_at?: string;
  /** Compose files (absolute) as resolved at registration, used by `cilo up`. */
  compose_files?: string[];
  dns_suffix?: string;
  /** Set when the environment publishes cilo-shared-<name>: true (all services) or the exported ones. */
  create_shared?: boolean | string[];
  /** Subnet of the published shared network (its own, never the env's: docs/DESIGN.md §11, flaw 1). */
  shared_subnet?: string;
  /** `swarm`: the published network is an attachable overlay of the engine's swarm (docs/DESIGN.md §8). */
  shared_scope?: SharedScope;
  /** Shared networks that were removed under this consumer by `destroy --force`. */
  broken_shared_networks?: string[];
  /**
   * The project networks cilo creates, by their key in the compose files; `default` is the environment
   * network (its subnet is `subnet`). Records written before there were any have none: see networksOf.
   */
  networks?: Record<string, NetworkRecord>;
  /** Volumes whose `name:` the files pin, renamed for this environment: key → Docker name and pinned name. */
  volumes?: Record<string, { name: string; pinned: string }>;
  /** How the host reaches its services (docs/DESIGN.md §7); records before there was a choice are `routed`. */
  access?: AccessMode;
  /** The ports its services publish in their files, with the host port of each in access `published`. */
  ports?: PortRecord[];
  /** The git worktree cilo added for it (`cilo create --worktree`): `destroy` removes it when it is clean. */
  worktree?: WorktreeRecord;
  /** The environment it was forked from (`cilo fork`), by key, with its named volumes' data. */
  forked_from?: string;
  /** Mounts of its files it has an empty volume of its own at instead (`cilo fork --uncopied skip`). */
  empty_mounts?: EmptyMount[];
  /**
   * Its containers and volumes carry this home's label, and are removed by it (core/steps/ownership.ts).
   * Records from before are removed by their Compose project, as then.
   */
  labelled?: boolean;
  /** Volumes the project had before cilo ran it (`cilo create --adopt`): external to it, never removed. */
  adopted_volumes?: string[];
  /** `cilo create --keep`: `cilo gc` never removes it (nor, so, its volumes). */
  keep?: boolean;
}

export interface WorktreeRecord {
  /** The worktree's directory. */
  path: string;
  branch: string;
  /** The repository it belongs to (its main working tree). */
  repo: string;
}

/** A mount point of a service whose files' source (a host path, an external volume) a fork does not use. */
export interface EmptyMount {
  service: string;
  target: string;
}

/** How the host reaches an environment: its services' addresses (`routed`), or host ports (`published`). */
export type AccessMode = 'routed' | 'published';

export interface SharedNetworkRecord {
  name: string;
  /** Environment key `<project>/<name>` of the publisher, or "external" for a network cilo did not create. */
  created_by: string;
  created_at: string;
  referenced_by: string[];
  subnet?: string;
  /** `swarm` for an overlay network that consumers on other engines of the swarm join. */
  scope?: SharedScope;
}

/** Where a published network reaches: the publisher's engine (`local`, a bridge) or its swarm (an overlay). */
export type SharedScope = 'local' | 'swarm';

/** How to reach an engine again (docker/engines.ts), and its `docker info` ID, to notice a re-pointed context. */
export interface EngineRecord {
  docker_host?: string;
  context?: string;
  id?: string;
  /** How this host reaches the engine's containers, decided from what it said about itself (core/plan/access.ts). */
  access?: AccessMode;
}

/** The router of an engine: the host ports it publishes (HTTP, HTTPS). */
export interface RouterRecord {
  http_port: number;
  https_port: number;
  /** Records of before the sealed admin API (docs/DESIGN.md §13) have it: the port is no longer published. */
  admin_port?: number;
}

export interface HostState {
  environments: Record<string, Environment>;
  engine?: EngineRecord;
  router?: RouterRecord;
}

export interface State {
  version: number;
  /** Counts the writes of the file: what is derived from state (DNS records) knows which state is newer. */
  revision?: number;
  subnet_counter: number;
  hosts: Record<string, HostState>;
  shared_networks: Record<string, SharedNetworkRecord>;
}

export function emptyState(): State {
  return {
    version: STATE_VERSION,
    subnet_counter: 0,
    hosts: { [LOCAL_ENGINE]: { environments: {} } },
    shared_networks: {},
  };
}

export function envKey(project: string, name: string): string {
  return `${project}/${name}`;
}

/** The parts of an environment key `<project>/<name>` (undefined for a string that is not one). */
export function parseEnvKey(key: string): { project: string; name: string } | undefined {
  const slash = key.indexOf('/');
  return slash > 0 && slash < key.length - 1 ? { project: key.slice(0, slash), name: key.slice(slash + 1) } : undefined;
}

/** The environments of the local engine (this machine's: the only ones whose addresses the host reaches). */
export function localEnvironments(state: State): Record<string, Environment> {
  return state.hosts[LOCAL_ENGINE]!.environments;
}

/**
 * Every environment on every engine, by key (keys are unique across engines: names are). A view: the records
 * are the state's.
 */
export function environmentsOf(state: State): Record<string, Environment> {
  return Object.assign({}, ...Object.values(state.hosts).map((h) => h.environments)) as Record<string, Environment>;
}

/** The engine an environment lives on, by its key. */
export function engineOf(state: State, key: string): string | undefined {
  return Object.entries(state.hosts).find(([, h]) => h.environments[key])?.[0];
}

/** Engines that hold environments, `local` first. */
export function enginesInUse(state: State): string[] {
  return Object.keys(state.hosts)
    .filter((e) => Object.keys(state.hosts[e]!.environments).length > 0)
    .sort((a, b) => (a === LOCAL_ENGINE ? -1 : b === LOCAL_ENGINE ? 1 : compareNames(a, b)));
}

export function addEnvironment(state: State, engine: string, key: string, env: Environment): void {
  (state.hosts[engine] ??= { environments: {} }).environments[key] = env;
}

export function removeEnvironment(state: State, key: string): void {
  for (const h of Object.values(state.hosts)) delete h.environments[key];
}

/** The networks cilo creates for an environment; at least its environment network (`default`). */
export function networksOf(env: Pick<Environment, 'name' | 'subnet' | 'networks'>): Record<string, NetworkRecord> {
  return env.networks ?? { default: { name: envNetworkName(env.name), subnet: env.subnet } };
}

export function findEnvByName(state: State, name: string): [string, Environment] | undefined {
  for (const [key, env] of Object.entries(environmentsOf(state))) if (env.name === name) return [key, env];
  return undefined;
}
