// DNS names and the records cilo serves, derived from state. Pure functions.
import { compareNames, isDnsLabel, toDnsLabel } from '../state/names.js';
import { LOCAL_ENGINE, portsHere } from '../docker/engines.js';
import type { Environment, State } from '../state/schema.js';

/**
 * DNS labels for a project's services (docs/DESIGN.md §7, "DNS"). A name that is a DNS label keeps it; any other
 * is normalized (toDnsLabel), 'svc' when nothing is left. On a clash the later one (labels first, then sorted)
 * gets '-2', '-3'...
 */
export function dnsLabelsForServices(services: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const used = new Set<string>();
  // Names that are DNS labels already keep them; normalized ones come second and yield on a clash.
  const ordered = [...services].sort(
    (a, b) => Number(!isDnsLabel(a)) - Number(!isDnsLabel(b)) || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const s of ordered) {
    const base = toDnsLabel(s) || 'svc';
    let label = base;
    for (let n = 2; used.has(label); n++) label = `${base.slice(0, 60 - String(n).length)}-${n}`;
    used.add(label);
    out[s] = label;
  }
  return out;
}

export interface DnsRecord {
  name: string;
  addresses: string[];
}

/**
 * The environments this host's DNS serves: the local engine's, and the `published` ones of any engine whose
 * ports are this host's: one reached by a local socket (a rootless engine, say), or over ssh (forwarded).
 */
function servedEnvironments(state: State): Environment[] {
  return Object.entries(state.hosts).flatMap(([engine, host]) =>
    Object.values(host.environments).filter(
      (e) => engine === LOCAL_ENGINE || (e.access === 'published' && portsHere(host.engine?.docker_host)),
    ),
  );
}

/**
 * Records per environment name. Running environments only. `routed`: a publisher's exported services answer
 * with their shared-network addresses (reachable from consumers), others with their env-network addresses;
 * `published`: every service with 127.0.0.1, where its ports and the router are.
 */
export function recordsByEnvironment(state: State): Map<string, DnsRecord[]> {
  const out = new Map<string, DnsRecord[]>();
  for (const env of servedEnvironments(state)) {
    if (env.status !== 'running') continue;
    const records: DnsRecord[] = [];
    for (const svc of Object.values(env.services)) {
      const shared = svc.shared_addresses ?? [];
      const addresses = env.access === 'published' ? ['127.0.0.1'] : shared.length > 0 ? shared : svc.addresses;
      if (addresses.length > 0) records.push({ name: svc.dns_name, addresses: [...addresses].sort() });
    }
    out.set(
      env.name,
      records.sort((a, b) => compareNames(a.name, b.name)),
    );
  }
  return out;
}

/** The suffix of records written before environments recorded theirs. */
export const DEFAULT_SUFFIX = 'test';

/** Every suffix cilo's dnsmasq answers for: those of the environments in state, and the default one. */
export function servedSuffixes(state: State, defaultSuffix: string): string[] {
  const set = new Set<string>([defaultSuffix]);
  for (const e of servedEnvironments(state)) set.add(e.dns_suffix ?? DEFAULT_SUFFIX);
  return [...set].sort();
}
