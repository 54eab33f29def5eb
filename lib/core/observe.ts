// Bringing state in line with what Docker actually runs, after a Compose command.
import { COMPOSE_PROJECT_LABEL, type NetworkInfo } from '../docker/docker.js';
import { parseIPv4 } from '../network/subnet.js';
import { envNetworkName, sharedNetworkName } from '../state/names.js';
import { findEnvByName, networksOf, type Environment, type EnvStatus, type State } from '../state/schema.js';
import { syncHostsDir } from '../dns/hostsdir.js';
import type { Context } from '../context.js';

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
        await ctx.docker.connect(net.name, c.id);
}

/** Each service's running addresses on its own network (the environment network, or its record's) and on the published one. */
function addressesBy(known: Environment, containers: ServiceContainer[], networks: NetworkInfo[]) {
  const addressOn = (net: string, id: string) => networks.find((n) => n.name === net)?.containers[id]?.ipv4;
  const seen = new Map<string, { addresses: string[]; shared: string[] }>();
  for (const c of containers) {
    if (c.oneOff || !c.service || !c.running) continue;
    const entry = seen.get(c.service) ?? { addresses: [], shared: [] };
    const a = addressOn(known.services[c.service]?.network ?? envNetworkName(known.name), c.id);
    const s = addressOn(sharedNetworkName(known.name), c.id);
    if (a) entry.addresses.push(a);
    if (s) entry.shared.push(s);
    seen.set(c.service, entry);
  }
  return seen;
}

/**
 * Records each service's running addresses and the environment's status, then re-renders DNS records under
 * the same lock. `known` is the record as the caller has it (which shared networks it joins).
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
  return ctx.store.update(
    (state) => {
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
      // Only a real change is written (observe also runs every second during an attached `up`).
      if (JSON.stringify([env.status, env.services]) !== before) env.updated_at = new Date().toISOString();
      return { record: structuredClone(env), state };
    },
    { afterWrite: (state) => syncHostsDir(ctx.home, state) },
  );
}
