// Bringing state in line with what Docker actually runs, after a Compose command.
import { COMPOSE_PROJECT_LABEL, type NetworkInfo } from '../../docker/objects.js';
import { tolerating } from '../../docker/writes.js';
import { parseIPv4 } from '../../network/subnet.js';
import { envNetworkName, sharedNetworkName } from '../../state/names.js';
import { findEnvByName, networksOf, type Environment, type EnvStatus, type State } from '../../state/schema.js';
import { refreshRecords } from '../../dns/hostsdir.js';
import type { Context } from '../../context.js';

const byAddress = (a: string, b: string) => (parseIPv4(a) ?? 0) - (parseIPv4(b) ?? 0);

/**
 * The status rule, shared with `doctor`: running when any service container runs; otherwise an
 * environment that never ran stays `created`, one that did is `stopped`.
 */
export function observedStatus(anyRunning: boolean, recorded: EnvStatus): EnvStatus {
  return anyRunning ? 'running' : recorded === 'created' ? 'created' : 'stopped';
}

export interface Observed {
  record: Environment;
  /** The state as written. */
  state: State;
}

interface ServiceContainer {
  id: string;
  running: boolean;
  service: string;
  oneOff: boolean;
}

/**
 * Every running service container must also be on the shared networks the environment joins. Compose sees
 * to that when it (re)creates containers, but not for containers it keeps: one that `destroy --force` of a
 * publisher disconnected stays cut off after the publisher returns. Those are connected here.
 */
async function reconnect(
  ctx: Context,
  known: Environment,
  containers: ServiceContainer[],
  networks: NetworkInfo[],
): Promise<void> {
  const joined = known.shared_networks.filter((n) => !known.broken_shared_networks?.includes(n));
  for (const net of networks.filter((n) => joined.includes(n.name)))
    for (const c of containers)
      if (c.running && !c.oneOff && known.services[c.service] && !net.containers[c.id])
        // Connected meanwhile (a second `up`): what was wanted.
        await ctx.docker.connect(net.name, c.id).catch(tolerating('exists'));
}

/** The network a service's own address is on: its record's, else the environment network (doctor's rule too). */
export const ownNetwork = (env: Environment, service: string) =>
  env.services[service]?.network ?? envNetworkName(env.name);

/** Each service's running addresses on its own network (ownNetwork) and on the published one. */
type Seen = Map<string, { addresses: string[]; shared: string[] }>;

function addressesBy(known: Environment, containers: ServiceContainer[], networks: NetworkInfo[]): Seen {
  const addressOn = (net: string, id: string) => networks.find((n) => n.name === net)?.containers[id]?.ipv4;
  const seen: Seen = new Map();
  for (const c of containers) {
    if (c.oneOff || !c.service || !c.running) continue;
    const entry = seen.get(c.service) ?? { addresses: [], shared: [] };
    const a = addressOn(ownNetwork(known, c.service), c.id);
    const s = addressOn(sharedNetworkName(known.name), c.id);
    if (a) entry.addresses.push(a);
    if (s) entry.shared.push(s);
    seen.set(c.service, entry);
  }
  return seen;
}

/**
 * The observation, recorded on a fresh read of the state: each service's running addresses and the status.
 * Nothing for an environment that is gone or being destroyed. Only a real change moves `updated_at`.
 */
export function recordObservation(state: State, name: string, seen: Seen, anyRunning: boolean, now: string) {
  const found = findEnvByName(state, name);
  if (!found || found[1].status === 'destroying') return undefined;
  const env = found[1];
  const before = JSON.stringify([env.status, env.services]);
  for (const svc of Object.values(env.services)) {
    const s = seen.get(svc.name);
    svc.addresses = (s?.addresses ?? []).sort(byAddress);
    if (s && s.shared.length > 0) svc.shared_addresses = s.shared.sort(byAddress);
    else delete svc.shared_addresses;
  }
  env.status = observedStatus(anyRunning, env.status);
  if (JSON.stringify([env.status, env.services]) !== before) env.updated_at = now;
  return { record: structuredClone(env), state };
}

/**
 * Records each service's running addresses and the environment's status, then brings the DNS records in
 * line. `known` is the record as the caller has it (which shared networks it joins).
 */
export async function observeEnvironment(
  ctx: Context,
  name: string,
  known: Environment,
): Promise<Observed | undefined> {
  const joined = known.shared_networks.filter((n) => !known.broken_shared_networks?.includes(n));
  const own = [
    ...new Set([
      ...Object.values(networksOf(known)).map((n) => n.name),
      ...Object.values(known.services).flatMap((s) => (s.network ? [s.network] : [])),
    ]),
  ];
  // Two calls at once: which containers run which service, and the addresses each network gave them.
  const [containers, networks] = await Promise.all([
    ctx.docker.containerStates(`${COMPOSE_PROJECT_LABEL}=${name}`),
    ctx.docker.inspectNetworks([...own, sharedNetworkName(name), ...joined]),
  ]);
  await reconnect(ctx, known, containers, networks);
  const seen = addressesBy(known, containers, networks);
  const anyRunning = containers.some((c) => !c.oneOff && c.service && c.running);
  const observed = await ctx.store.update((state) =>
    recordObservation(state, name, seen, anyRunning, new Date().toISOString()),
  );
  // Rendered whenever the state is newer than the records, not only when this observation changed it: a
  // render that failed before (a watcher's tick during an attached `up`) is made good by the next one.
  // refreshRecords skips a revision already rendered, so the watcher's look every second costs no write.
  if (observed) await refreshRecords(ctx, observed.state);
  return observed && { record: observed.record, state: observed.state };
}
