// Bringing state in line with what Docker actually runs, after a Compose command.
import { envNetworkName, sharedNetworkName } from '../network/networks.js';
import { parseIPv4 } from '../network/subnet.js';
import { findEnvByName, type Environment } from '../state/schema.js';
import { updateState } from '../state/store.js';
import { syncHostsDir } from '../dns/hostsdir.js';
import type { Context } from './context.js';
import { lockOptions } from './locking.js';

const byAddress = (a: string, b: string) => (parseIPv4(a) ?? 0) - (parseIPv4(b) ?? 0);

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
const COMPOSE_ONEOFF_LABEL = 'com.docker.compose.oneoff';

/**
 * Records each service's running addresses and the environment's status (running when any service
 * container runs), then re-renders DNS records under the same lock.
 */
export async function observeEnvironment(ctx: Context, name: string): Promise<Environment | undefined> {
  const containers = await ctx.docker.listContainers([`${COMPOSE_PROJECT_LABEL}=${name}`]);
  const envNet = envNetworkName(name);
  const sharedNet = sharedNetworkName(name);
  const seen = new Map<string, { addresses: string[]; shared: string[] }>();
  let anyRunning = false;
  for (const c of containers) {
    if (c.labels[COMPOSE_ONEOFF_LABEL] === 'True') continue;
    const svc = c.labels[COMPOSE_SERVICE_LABEL];
    if (!svc || !c.running) continue;
    anyRunning = true;
    const entry = seen.get(svc) ?? { addresses: [], shared: [] };
    if (c.networks[envNet]) entry.addresses.push(c.networks[envNet]!);
    if (c.networks[sharedNet]) entry.shared.push(c.networks[sharedNet]!);
    seen.set(svc, entry);
  }
  return updateState(
    ctx.home,
    (state) => {
      const found = findEnvByName(state, name);
      if (!found || found[1].status === 'destroying') return undefined;
      const env = found[1];
      for (const svc of Object.values(env.services)) {
        const s = seen.get(svc.name);
        svc.addresses = (s?.addresses ?? []).sort(byAddress);
        if (s && s.shared.length > 0) svc.shared_addresses = s.shared.sort(byAddress);
        else delete svc.shared_addresses;
      }
      env.status = anyRunning ? 'running' : env.status === 'created' ? 'created' : 'stopped';
      env.updated_at = new Date().toISOString();
      return structuredClone(env);
    },
    { ...lockOptions(ctx), afterWrite: (state) => syncHostsDir(ctx.home, state) },
  );
}
