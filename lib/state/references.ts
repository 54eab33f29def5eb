// The rules on references between environments and shared networks, and on what an environment holds
// (docs/DESIGN.md §5, §8). Pure functions on a State, called inside a locked update: each rule exists here
// once, whoever applies it (prepare, destroy, rollback, doctor).
import { sharedNetworkName } from './names.js';
import {
  engineOf,
  environmentsOf,
  networksOf,
  parseEnvKey,
  removeEnvironment,
  type Environment,
  type State,
} from './schema.js';

/** Who publishes a shared network, as state knows it. */
export interface Publisher {
  /** The publisher's environment key (it may be gone: `destroy --force` keeps the record for consumers). */
  key: string;
  /** Its environment name, from the key. */
  name: string;
  /** Its record, while it exists. */
  env?: Environment;
  /** The engine it lives on, while it exists. */
  engine?: string;
}

/** The publisher of `network`: undefined for a network state does not track or that cilo did not create. */
export function publisherOf(state: State, network: string): Publisher | undefined {
  const key = state.shared_networks[network]?.created_by;
  if (key === undefined || key === 'external') return undefined;
  const env = environmentsOf(state)[key];
  return { key, name: parseEnvKey(key)?.name ?? key, env, engine: env ? engineOf(state, key) : undefined };
}

/** Keys of other environments referencing the networks `key` publishes, per network. */
export function consumersOf(state: State, key: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [net, record] of Object.entries(state.shared_networks)) {
    if (record.created_by !== key) continue;
    const others = record.referenced_by.filter((k) => k !== key);
    if (others.length > 0) out.set(net, others);
  }
  return out;
}

/** Records on each consumer that `network` was removed under it (its publisher was destroyed with --force). */
export function markBroken(state: State, network: string, consumers: readonly string[]): void {
  for (const k of consumers) {
    const consumer = environmentsOf(state)[k];
    if (consumer) consumer.broken_shared_networks = [...new Set([...(consumer.broken_shared_networks ?? []), network])];
  }
}

/** The consumer is on `network` again (its publisher came back): no longer broken. */
export function clearBroken(env: Environment, network: string): void {
  if (!env.broken_shared_networks) return;
  env.broken_shared_networks = env.broken_shared_networks.filter((n) => n !== network);
  if (env.broken_shared_networks.length === 0) delete env.broken_shared_networks;
}

/** Deletes the record of a network nobody references whose publisher is gone or not cilo. */
export function releaseIfUnused(state: State, network: string): void {
  const record = state.shared_networks[network];
  const publisherGone = !publisherOf(state, network)?.env;
  if (record && publisherGone && record.referenced_by.length === 0) delete state.shared_networks[network];
}

/**
 * Drops `key` from the references of `network`. A record is kept while anyone references it; the last
 * reference to a network whose publisher is gone (or that cilo did not create) takes the record with it.
 */
export function dropReference(state: State, network: string, key: string): void {
  const record = state.shared_networks[network];
  if (!record) return;
  record.referenced_by = record.referenced_by.filter((k) => k !== key);
  releaseIfUnused(state, network);
}

/**
 * Deletes an environment's record, its references and its published network's subnet. That network's record
 * stays while consumers still reference it, for `shared list` and their next `up` (docs/DESIGN.md §5).
 */
export function deleteEnvironment(state: State, key: string): void {
  const env = environmentsOf(state)[key];
  if (!env) return;
  for (const net of env.shared_networks) dropReference(state, net, key);
  removeEnvironment(state, key);
  const published = state.shared_networks[sharedNetworkName(env.name)];
  if (published?.created_by === key) {
    delete published.subnet;
    dropReference(state, published.name, key);
  }
}

/** Every subnet state holds: environments' networks, published networks, shared-network records. */
export function subnetsInUse(state: State): string[] {
  const out: string[] = [];
  for (const env of Object.values(environmentsOf(state))) {
    if (env.subnet) out.push(env.subnet);
    for (const n of Object.values(networksOf(env))) if (n.subnet !== env.subnet) out.push(n.subnet);
    if (env.shared_subnet) out.push(env.shared_subnet);
  }
  for (const net of Object.values(state.shared_networks)) if (net.subnet) out.push(net.subnet);
  return out;
}

/**
 * Gives back a subnet that Docker refused (another network took it meanwhile), so the next allocation
 * picks another one: a published network's, or a project network's. An environment's own subnet is
 * released by deleting the environment.
 */
export function releaseSubnet(state: State, key: string, subnet: string): void {
  const env = environmentsOf(state)[key];
  if (!env) return;
  for (const [k, n] of Object.entries(env.networks ?? {}))
    if (k !== 'default' && n.subnet === subnet) delete env.networks![k];
  if (env.shared_subnet !== subnet) return;
  delete env.shared_subnet;
  const net = sharedNetworkName(env.name);
  if (state.shared_networks[net]?.subnet === subnet) delete state.shared_networks[net];
}
