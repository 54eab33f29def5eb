// Host ports in `published` access (docs/DESIGN.md §7): every `ports:` entry of a service is published on
// 127.0.0.1 (or the host address its files name) at a port cilo chooses from CILO_PORT_RANGE — kept across
// ups, unique across every environment and router in state, never one the host or the engine holds. A step
// of the plan: pure.
import { UserError } from '../../errors/index.js';
import type { ProjectModel } from '../../compose/model.js';
import type { PortRange } from '../../settings.js';
import { compareNames } from '../../state/names.js';
import { environmentsOf, type Environment, type PortRecord, type State } from '../../state/schema.js';

/** The host ports a port record takes (none in access `routed`). */
export const hostPortsOf = (p: PortRecord): number[] =>
  p.host_port === undefined ? [] : Array.from({ length: p.replicas ?? 1 }, (_, k) => p.host_port! + k);

/** The container ports of the model's services, as records without host ports (access `routed`). */
export function routedPorts(model: ProjectModel): PortRecord[] {
  return publishing(model).flatMap((s) =>
    s.ports.map((p) => ({ service: s.name, target: p.target, protocol: p.protocol })),
  );
}

/** Every host port state holds: environments' published ports, routers' ports. */
export function portsInUse(state: State): Set<number> {
  const used = new Set<number>();
  for (const env of Object.values(environmentsOf(state)))
    for (const p of env.ports ?? []) for (const port of hostPortsOf(p)) used.add(port);
  for (const host of Object.values(state.hosts))
    // admin_port: a router of before the sealed admin API may still publish it.
    for (const p of host.router ? [host.router.http_port, host.router.https_port, host.router.admin_port] : [])
      if (p !== undefined) used.add(p);
  return used;
}

/** The lowest `count` consecutive ports of the range that are free; a clear error when there are none. */
export function allocatePorts(range: PortRange, taken: ReadonlySet<number>, count = 1): number {
  for (let p = range.first; p + count - 1 <= range.last; p++) {
    let free = true;
    for (let i = 0; i < count && free; i++) free = !taken.has(p + i);
    if (free) return p;
  }
  throw new UserError(
    `no ${count > 1 ? `${count} consecutive free ports are` : 'free port is'} left in CILO_PORT_RANGE ${range.first}-${range.last}`,
    'destroy environments you no longer need (cilo list), or set CILO_PORT_RANGE to a larger range',
  );
}

export interface PortInputs {
  model: ProjectModel;
  ports: PortRange;
  /** Ports something other than this home's environments holds: on the host, or published by the engine. */
  foreignPorts: readonly number[];
  scale?: Readonly<Record<string, number>>;
}

/** The services that publish ports, by name: the order ports are chosen in, whatever order the files use. */
const publishing = (model: ProjectModel) =>
  model.services.filter((s) => !s.networkMode && s.ports.length > 0).sort((a, b) => compareNames(a.name, b.name));

const keyOf = (p: { service: string; target: number; protocol: string }) => `${p.service}/${p.target}/${p.protocol}`;

/**
 * The published ports of `env`: its earlier ones kept (same service, container port, protocol, replicas, and
 * not held by anyone else now), new ones the lowest free. `state` must not hold `env`'s own ports yet (the
 * caller takes them out) or they would count as taken.
 */
export function publishedPorts(state: State, env: Environment, i: PortInputs): PortRecord[] {
  const previous = new Map((env.ports ?? []).map((p) => [keyOf(p), p]));
  const taken = new Set([...portsInUse(state), ...i.foreignPorts]);
  const out: PortRecord[] = [];
  const wanted = publishing(i.model).flatMap((s) =>
    s.ports.map((p) => ({ service: s.name, replicas: i.scale?.[s.name] ?? s.replicas, ...p })),
  );
  // Kept ones first, so a new port never takes a kept one's place.
  const kept = wanted.map((w) => {
    const old = previous.get(keyOf(w));
    const n = Math.max(1, w.replicas);
    const span = Array.from({ length: n }, (_, k) => (old?.host_port ?? 0) + k);
    return old?.host_port !== undefined && (old.replicas ?? 1) === n && span.every((p) => !taken.has(p))
      ? old.host_port
      : undefined;
  });
  wanted.forEach((w, j) => {
    for (let k = 0; kept[j] !== undefined && k < Math.max(1, w.replicas); k++) taken.add(kept[j] + k);
  });
  wanted.forEach((w, j) => {
    const n = Math.max(1, w.replicas);
    const host_port = kept[j] ?? allocatePorts(i.ports, taken, n);
    for (let k = 0; k < n; k++) taken.add(host_port + k);
    out.push({
      service: w.service,
      target: w.target,
      protocol: w.protocol,
      host_ip: w.hostIp ?? '127.0.0.1',
      host_port,
      ...(n > 1 ? { replicas: n } : {}),
    });
  });
  return out;
}
