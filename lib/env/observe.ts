// Bringing state in line with what Docker actually runs, after a Compose command.
import { COMPOSE_PROJECT_LABEL } from '../docker/docker.js';
import { envNetworkName, sharedNetworkName } from '../network/networks.js';
import { parseIPv4 } from '../network/subnet.js';
import { findEnvByName, type Environment } from '../state/schema.js';
import { readState, updateState } from '../state/store.js';
import { syncHostsDir } from '../dns/hostsdir.js';
import type { Context } from './context.js';
import { lockOptions } from './locking.js';

const byAddress = (a: string, b: string) => (parseIPv4(a) ?? 0) - (parseIPv4(b) ?? 0);

/**
 * Records each service's running addresses and the environment's status (running when any service
 * container runs), then re-renders DNS records under the same lock.
 *
 * Every running service container must also be on the shared networks the environment joins. Compose sees
 * to that when it (re)creates containers, but not for containers it keeps: one that `destroy --force` of a
 * publisher disconnected stays cut off after the publisher returns. Those are connected here.
 */
export async function observeEnvironment(ctx: Context, name: string): Promise<Environment | undefined> {
  const envNet = envNetworkName(name);
  const sharedNet = sharedNetworkName(name);
  const known = findEnvByName(readState(ctx.home), name)?.[1];
  const joined = (known?.shared_networks ?? []).filter((n) => !known?.broken_shared_networks?.includes(n));
  // Two calls at once: which containers run which service, and the addresses each network gave them.
  const [containers, networks] = await Promise.all([
    ctx.docker.containerStates(`${COMPOSE_PROJECT_LABEL}=${name}`),
    ctx.docker.inspectNetworks([envNet, sharedNet, ...joined]),
  ]);
  for (const net of networks.filter((n) => joined.includes(n.name)))
    for (const c of containers)
      if (c.running && !c.oneOff && known?.services[c.service] && !net.containers[c.id]) await ctx.docker.connect(net.name, c.id);
  const addressOn = (net: string, id: string) => networks.find((n) => n.name === net)?.containers[id]?.ipv4;
  const seen = new Map<string, { addresses: string[]; shared: string[] }>();
  let anyRunning = false;
  for (const c of containers) {
    if (c.oneOff || !c.service || !c.running) continue;
    anyRunning = true;
    const entry = seen.get(c.service) ?? { addresses: [], shared: [] };
    const a = addressOn(envNet, c.id);
    const s = addressOn(sharedNet, c.id);
    if (a) entry.addresses.push(a);
    if (s) entry.shared.push(s);
    seen.set(c.service, entry);
  }
  return updateState(
    ctx.home,
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
      env.status = anyRunning ? 'running' : env.status === 'created' ? 'created' : 'stopped';
      // Only a real change is written (observe also runs every second during an attached `up`).
      if (JSON.stringify([env.status, env.services]) !== before) env.updated_at = new Date().toISOString();
      return structuredClone(env);
    },
    { ...lockOptions(ctx), afterWrite: (state) => syncHostsDir(ctx.home, state) },
  );
}
