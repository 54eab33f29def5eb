// What `list`, `status` and `shared` show, built once from state for both the tables and --json: the
// output contract of the JSON shapes in the README.
import { envNetworkName, sharedNetworkName } from '../state/names.js';
import { DEFAULT_SUFFIX } from '../dns/records.js';
import { localEnvironments, networksOf, type Environment, type State } from '../state/schema.js';

export interface EnvironmentView {
  key: string;
  name: string;
  project: string;
  status: string;
  subnet: string;
  network: string;
  source: string;
  dns_suffix: string;
  created_at: string;
  publishes: { network: string; subnet: string; used_by: string[] } | null;
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

export function environmentView(state: State, key: string, env: Environment): EnvironmentView {
  const published = env.shared_subnet ? state.shared_networks[sharedNetworkName(env.name)] : undefined;
  return {
    key,
    name: env.name,
    project: env.project,
    status: env.status,
    subnet: env.subnet,
    network: envNetworkName(env.name),
    source: env.source,
    dns_suffix: env.dns_suffix ?? DEFAULT_SUFFIX,
    created_at: env.created_at,
    publishes: env.shared_subnet
      ? { network: sharedNetworkName(env.name), subnet: env.shared_subnet, used_by: (published?.referenced_by ?? []).filter((k) => k !== key) }
      : null,
    shared_networks: env.shared_networks.map((n) => ({ name: n, broken: env.broken_shared_networks?.includes(n) ?? false })),
    networks: Object.entries(networksOf(env)).map(([k, n]) => ({ key: k, name: n.name, subnet: n.subnet })),
    volumes: Object.entries(env.volumes ?? {}).map(([k, v]) => ({ key: k, name: v.name, pinned: v.pinned })),
    services: Object.values(env.services)
      .sort((a, b) => a.name.localeCompare(b.name))
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

export function environmentViews(state: State): EnvironmentView[] {
  return Object.entries(localEnvironments(state))
    .map(([key, env]) => environmentView(state, key, env))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface SharedNetworkView {
  name: string;
  created_by: string;
  created_at: string;
  subnet: string | null;
  exists: boolean;
  references: { key: string; status: string; broken: boolean }[];
}

export function sharedNetworkView(state: State, name: string, exists: boolean): SharedNetworkView | undefined {
  const record = state.shared_networks[name];
  if (!record) return undefined;
  const envs = localEnvironments(state);
  const reference = (key: string) => {
    const env = envs[key];
    return { key, status: env ? env.status : 'gone', broken: env?.broken_shared_networks?.includes(name) ?? false };
  };
  return {
    name,
    created_by: record.created_by,
    created_at: record.created_at,
    subnet: record.subnet ?? null,
    exists,
    references: record.referenced_by.map(reference),
  };
}

