// What `list`, `status` and `shared` show, built once from state for both the tables and --json: the
// output contract of the JSON shapes in the README.
import { compareNames, envNetworkName, sharedNetworkName } from '../state/names.js';
import { DEFAULT_SUFFIX } from '../dns/records.js';
import { LOCAL_ENGINE } from '../docker/engines.js';
import type { EngineStatus } from '../core/engines.js';
import { engineOf, environmentsOf, networksOf, type Environment, type State } from '../state/schema.js';

export interface EnvironmentView {
  key: string;
  name: string;
  project: string;
  /** The engine it lives on (`local`, a context, or a DOCKER_HOST) and how that engine answered (`replaced`: as another engine). */
  engine: string;
  engine_status: EngineStatus;
  status: string;
  subnet: string;
  network: string;
  source: string;
  dns_suffix: string;
  created_at: string;
  publishes: { network: string; subnet: string; scope: 'local' | 'swarm'; used_by: string[] } | null;
  /** Where its DNS names resolve: always inside its containers; on this host only for the local engine. */
  names_resolve: { in_containers: true; on_host: boolean };
  shared_networks: { name: string; broken: boolean }[];
  /** The networks cilo made for it, by their key in the compose files (`default` is `network`). */
  networks: { key: string; name: string; subnet: string }[];
  /** Volumes whose pinned `name:` was renamed for this environment. */
  volumes: { key: string; name: string; pinned: string }[];
  services: {
    name: string;
    dns_name: string;
    ip: string | null;
    shared_ip: string | null;
    addresses: string[];
    shared_addresses: string[];
    replicas: number;
  }[];
}

export function environmentView(
  state: State,
  key: string,
  env: Environment,
  engines: ReadonlyMap<string, EngineStatus> = new Map(),
): EnvironmentView {
  const published = env.shared_subnet ? state.shared_networks[sharedNetworkName(env.name)] : undefined;
  const engine = engineOf(state, key) ?? LOCAL_ENGINE;
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
    names_resolve: { in_containers: true, on_host: engine === LOCAL_ENGINE },
    shared_networks: env.shared_networks.map((n) => ({
      name: n,
      broken: env.broken_shared_networks?.includes(n) ?? false,
    })),
    networks: Object.entries(networksOf(env)).map(([k, n]) => ({ key: k, name: n.name, subnet: n.subnet })),
    volumes: Object.entries(env.volumes ?? {}).map(([k, v]) => ({ key: k, name: v.name, pinned: v.pinned })),
    services: Object.values(env.services)
      .sort((a, b) => compareNames(a.name, b.name))
      .map((s) => ({
        name: s.name,
        dns_name: s.dns_name,
        ip: s.ip ?? null,
        shared_ip: s.shared_ip ?? null,
        addresses: s.addresses,
        shared_addresses: s.shared_addresses ?? [],
        replicas: s.replicas,
      })),
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
