// What `list`, `status`, `env` and `shared` show, built once from state for both the tables and --json: the
// output contract of the JSON shapes in the README ("Commands").
import { compareNames, envNetworkName, sharedNetworkName } from '../state/names.js';
import { DEFAULT_SUFFIX } from '../dns/records.js';
import { endpointMachine, LOCAL_ENGINE, portsHere } from '../docker/engines.js';
import { hostPortsOf, type EngineStatus } from '../core/service.js';
import {
  engineOf,
  environmentsOf,
  networksOf,
  type AccessMode,
  type Environment,
  type RouterRecord,
  type ServiceRecord,
  type State,
} from '../state/schema.js';

/** `ports_on` of an engine whose published ports answer here. */
export const THIS_HOST = 'this host';

export interface EnvironmentView {
  key: string;
  name: string;
  project: string;
  /**
   * The engine it lives on (`local`, a context, or a DOCKER_HOST) and how that engine answered (`replaced`: as
   * another engine).
   */
  engine: string;
  engine_status: EngineStatus;
  status: string;
  subnet: string;
  network: string;
  source: string;
  dns_suffix: string;
  created_at: string;
  publishes: { network: string; subnet: string; scope: 'local' | 'swarm'; used_by: string[] } | null;
  /**
   * Where its DNS names resolve: always inside its containers; on this host for the local engine's and for
   * `published` ones whose ports are here, while cilo's DNS server answers (docs/DESIGN.md §7, "DNS").
   */
  names_resolve: { in_containers: true; on_host: boolean };
  shared_networks: { name: string; broken: boolean }[];
  /** The networks cilo made for it, by their key in the compose files (`default` is `network`). */
  networks: { key: string; name: string; subnet: string }[];
  /** Volumes whose pinned `name:` was renamed for this environment. */
  volumes: { key: string; name: string; pinned: string }[];
  /** How this host reaches its services: their addresses (`routed`) or host ports (`published`). */
  access: AccessMode;
  /**
   * The machine whose loopback has its published ports: `this host` (a local engine, or one over ssh whose
   * ports cilo forwards here), else the engine's machine (a tcp:// engine: they are there, not here).
   */
  ports_on: string;
  /** An engine over ssh, in `status`: whether the connection that forwards its ports here is up. */
  forwards?: 'up' | 'down';
  /** The router of its engine on this host (its HTTP and HTTPS ports), once it has one. */
  router: { http_port: number; https_port: number } | null;
  /** The git worktree it was created in (`cilo create --worktree`): its directory and branch. */
  worktree: { path: string; branch: string } | null;
  /** The environment it was forked from, with its volumes' data (`cilo fork`). */
  forked_from: string | null;
  services: ServiceView[];
}

export interface ServiceView {
  name: string;
  dns_name: string;
  ip: string | null;
  shared_ip: string | null;
  addresses: string[];
  shared_addresses: string[];
  replicas: number;
  /** Its files' ports; `host_port` (and `host_ports`, one per replica) where they are published on the host. */
  ports: { target: number; protocol: string; host_ip: string | null; host_port: number | null; host_ports: number[] }[];
  /** Where a browser on this host reaches it: the router's name for it, else its address and HTTP port. */
  url: string | null;
}

/** The URL of a service's HTTP port on this host: through the router when there is one, else directly. */
function urlOf(env: Environment, s: ServiceRecord, router: RouterRecord | undefined): string | null {
  if (s.http_port === undefined) return null;
  const suffix = `.${env.dns_suffix ?? DEFAULT_SUFFIX}`;
  if (router) {
    const port = router.http_port === 80 ? '' : `:${router.http_port}`;
    return `http://${s.dns_name.slice(0, -suffix.length)}.localhost${port}/`;
  }
  const published = (env.ports ?? []).find((p) => p.service === s.name && p.target === s.http_port);
  if (published?.host_port !== undefined) return `http://${published.host_ip ?? '127.0.0.1'}:${published.host_port}/`;
  const address = s.ip ?? s.addresses[0];
  return address && env.access !== 'published' ? `http://${address}:${s.http_port}/` : null;
}

function serviceView(env: Environment, s: ServiceRecord, router: RouterRecord | undefined, here: boolean): ServiceView {
  return {
    name: s.name,
    dns_name: s.dns_name,
    ip: s.ip ?? null,
    shared_ip: s.shared_ip ?? null,
    addresses: s.addresses,
    shared_addresses: s.shared_addresses ?? [],
    replicas: s.replicas,
    ports: (env.ports ?? [])
      .filter((p) => p.service === s.name)
      .map((p) => ({
        target: p.target,
        protocol: p.protocol,
        host_ip: p.host_ip ?? null,
        host_port: p.host_port ?? null,
        host_ports: hostPortsOf(p),
      })),
    // Ports on another machine's loopback: no URL answers from here.
    url: here ? urlOf(env, s, router) : null,
  };
}

/**
 * What runs, where a command asked (`status`, `env`): whether cilo's DNS server answers on this host, and
 * whether the router of the environment's engine runs (unknown when the engine did not answer).
 */
export interface LiveFacts {
  dnsServing: boolean;
  routerRunning: boolean | undefined;
}

export function environmentView(
  state: State,
  key: string,
  env: Environment,
  engines: ReadonlyMap<string, EngineStatus> = new Map(),
  live?: LiveFacts,
): EnvironmentView {
  const published = env.shared_subnet ? state.shared_networks[sharedNetworkName(env.name)] : undefined;
  const engine = engineOf(state, key) ?? LOCAL_ENGINE;
  // A router that is not there gives no URL: the service's own address or port does (urlOf).
  const router = live?.routerRunning === false ? undefined : state.hosts[engine]?.router;
  const dockerHost = state.hosts[engine]?.engine?.docker_host;
  // An endpoint that names no machine (npipe://, fd://) is this one.
  const portsOn =
    engine === LOCAL_ENGINE || portsHere(dockerHost) ? THIS_HOST : (endpointMachine(dockerHost) ?? THIS_HOST);
  const reachable = engine === LOCAL_ENGINE || (env.access === 'published' && portsOn === THIS_HOST);
  return {
    key,
    name: env.name,
    project: env.project,
    engine,
    engine_status: engines.get(engine) ?? 'ok',
    status: env.status,
    subnet: env.subnet,
    network: envNetworkName(env.name),
    source: env.source,
    dns_suffix: env.dns_suffix ?? DEFAULT_SUFFIX,
    created_at: env.created_at,
    publishes: env.shared_subnet
      ? {
          network: sharedNetworkName(env.name),
          subnet: env.shared_subnet,
          scope: env.shared_scope ?? 'local',
          used_by: (published?.referenced_by ?? []).filter((k) => k !== key),
        }
      : null,
    names_resolve: { in_containers: true, on_host: reachable && live?.dnsServing !== false },
    shared_networks: env.shared_networks.map((n) => ({
      name: n,
      broken: env.broken_shared_networks?.includes(n) ?? false,
    })),
    networks: Object.entries(networksOf(env)).map(([k, n]) => ({ key: k, name: n.name, subnet: n.subnet })),
    volumes: Object.entries(env.volumes ?? {}).map(([k, v]) => ({ key: k, name: v.name, pinned: v.pinned })),
    access: env.access ?? 'routed',
    ports_on: portsOn,
    router: router ? { http_port: router.http_port, https_port: router.https_port } : null,
    worktree: env.worktree ? { path: env.worktree.path, branch: env.worktree.branch } : null,
    forked_from: env.forked_from ?? null,
    services: Object.values(env.services)
      .sort((a, b) => compareNames(a.name, b.name))
      .map((s) => serviceView(env, s, router, portsOn === THIS_HOST)),
  };
}

export function environmentViews(state: State, engines: ReadonlyMap<string, EngineStatus>): EnvironmentView[] {
  return Object.entries(environmentsOf(state))
    .map(([key, env]) => environmentView(state, key, env, engines))
    .sort((a, b) => compareNames(a.name, b.name));
}

export interface SharedNetworkView {
  name: string;
  created_by: string;
  created_at: string;
  subnet: string | null;
  scope: 'local' | 'swarm';
  /** The publisher's engine (null for a network cilo did not create, or whose publisher is gone). */
  engine: string | null;
  /** Whether Docker has it there; null when that engine does not answer. */
  exists: boolean | null;
  references: { key: string; engine: string | null; status: string; broken: boolean }[];
}

export function sharedNetworkView(state: State, name: string, exists: boolean | null): SharedNetworkView | undefined {
  const record = state.shared_networks[name];
  if (!record) return undefined;
  const envs = environmentsOf(state);
  const reference = (key: string) => {
    const env = envs[key];
    return {
      key,
      engine: engineOf(state, key) ?? null,
      status: env ? env.status : 'gone',
      broken: env?.broken_shared_networks?.includes(name) ?? false,
    };
  };
  return {
    name,
    created_by: record.created_by,
    created_at: record.created_at,
    subnet: record.subnet ?? null,
    scope: record.scope ?? 'local',
    engine: engineOf(state, record.created_by) ?? null,
    exists,
    references: record.referenced_by.map(reference),
  };
}

/** What a program on this host needs to reach an environment's services: the same shape on every engine. */
export interface ConnectionView {
  environment: string;
  access: AccessMode;
  /** As in EnvironmentView: `this host`, or the machine whose loopback has the ports (no _HOST, no _URL). */
  ports_on: string;
  services: { name: string; host: string | null; port: number | null; url: string | null }[];
  /** `<SERVICE>_HOST`, `_PORT`, `_PORT_<container port>` (when it has several), `_URL`. */
  variables: Record<string, string>;
}

const variablePrefix = (service: string) =>
  service
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'SERVICE';

/** Where each service answers from this host: its published port (`published`), or its address (`routed`). */
export function connectionView(v: EnvironmentView): ConnectionView {
  const variables: Record<string, string> = {};
  const services = v.services.map((s) => {
    const first = s.ports[0];
    const published = v.access === 'published';
    // Published: a service without a published port, or ports on another machine, cannot be reached from here.
    const host = published
      ? v.ports_on === THIS_HOST
        ? (first?.host_ip ?? null)
        : null
      : (s.ip ?? s.addresses[0] ?? s.dns_name);
    const port = first ? (published ? first.host_port : first.target) : null;
    const p = variablePrefix(s.name);
    if (host !== null) variables[`${p}_HOST`] = host;
    if (port !== null) variables[`${p}_PORT`] = String(port);
    if (s.ports.length > 1)
      for (const x of s.ports)
        if ((published ? x.host_port : x.target) !== null)
          variables[`${p}_PORT_${x.target}`] = String(published ? x.host_port : x.target);
    if (s.url) variables[`${p}_URL`] = s.url;
    return { name: s.name, host, port, url: s.url };
  });
  return { environment: v.key, access: v.access, ports_on: v.ports_on, services, variables };
}
