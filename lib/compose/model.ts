// The parts of a project cilo needs: its services (networks, pinned addresses, replicas, container_name),
// its networks and its volumes. Read from the parsed files when that is exact (project-files.ts), otherwise
// from `docker compose config --format json`, which resolves includes, extends and interpolation (JSON drops
// service-level x-* keys, docker/compose#11528; cilo reads only standard keys). Both go through the same
// normalization (normalizeService, normalizeNetwork, normalizeVolume).
import { ExitCodeError } from '../errors/index.js';
import { compareNames } from '../state/names.js';
import type { Docker } from '../docker/docker.js';
import { composeArgs, type ProjectSelector } from './command.js';

export interface ServiceModel {
  name: string;
  networkMode?: string;
  /** The project network keys it is on (`default` when it names none; none with a network_mode). */
  networks: string[];
  /** `ipv4_address` the files give it, by network key. */
  pinnedAddresses: Record<string, string>;
  /** Network keys on which the files give it an `ipv6_address`. */
  ipv6On: string[];
  replicas: number;
  hasContainerName: boolean;
  /** What its `ports:` publish, one entry per container port (ranges expanded). */
  ports: PortModel[];
}

/** One container port a service publishes: cilo chooses the host port (in `published` access). */
export interface PortModel {
  target: number;
  protocol: string;
  /** The host address the files publish it on, when they name one. */
  hostIp?: string;
}

export interface IpamConfig {
  subnet: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkModel {
  key: string;
  external: boolean;
  /** The Docker name the files give it: a `name:` of its own, or an external network's name. */
  name?: string;
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
  /** `ipam.config` entries with a subnet. */
  ipam: IpamConfig[];
}

export interface VolumeModel {
  key: string;
  external: boolean;
  /** The Docker name the files give it (`name:`), or an external volume's name. */
  name?: string;
}

export interface ProjectModel {
  services: ServiceModel[];
  networks: NetworkModel[];
  volumes: VolumeModel[];
}

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
/** A YAML scalar as Compose reads it into a string (`1` → "1", null → ""). */
const scalarText = (x: unknown): string => {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  return x === null || x === undefined ? '' : JSON.stringify(x);
};
/** A map or a list of `k=v` (both are Compose syntax for labels and options), as strings; undefined if empty. */
const strMap = (v: unknown): Record<string, string> | undefined => {
  const pair = (x: string): [string, string] =>
    x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, ''];
  const entries = Array.isArray(v)
    ? v.map((x) => pair(scalarText(x)))
    : isMap(v)
      ? Object.entries(v).map(([k, x]): [string, string] => [k, scalarText(x)])
      : [];
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
};

/** `a` or `a-b` as the ports it names (a range expanded); [] for anything else. */
function portRange(text: string): number[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return [];
  const [first, last] = [Number(m[1]), Number(m[2] ?? m[1])];
  return last >= first && last - first < 1024 ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : [];
}

/**
 * A `ports:` entry in Compose's short syntax: `[[HOST_IP:][HOST[-RANGE]]:]CONTAINER[-RANGE][/PROTOCOL]`, the host
 * address possibly in brackets (IPv6).
 */
function shortPorts(entry: string): PortModel[] {
  const [spec = '', protocol = 'tcp'] = entry.split('/');
  let hostIp: string | undefined;
  let rest = spec;
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(spec);
  if (bracket) [hostIp, rest] = [bracket[1], bracket[2]!];
  const parts = rest.split(':');
  if (!bracket && parts.length === 3) hostIp = parts[0];
  const target = parts[parts.length - 1]!;
  return portRange(target).map((t) => ({ target: t, protocol, ...(hostIp ? { hostIp } : {}) }));
}

/** A service's `ports:`, short or long syntax, as the container ports it publishes. */
export function normalizePorts(ports: unknown): PortModel[] {
  if (!Array.isArray(ports)) return [];
  return ports.flatMap((p): PortModel[] => {
    if (typeof p === 'number') return [{ target: p, protocol: 'tcp' }];
    if (typeof p === 'string') return shortPorts(p);
    if (!isMap(p)) return [];
    const target = typeof p.target === 'number' ? [p.target] : typeof p.target === 'string' ? portRange(p.target) : [];
    const protocol = str(p.protocol) ?? 'tcp';
    const hostIp = str(p.host_ip);
    return target.map((t) => ({ target: t, protocol, ...(hostIp ? { hostIp } : {}) }));
  });
}

/** The parts of a service cilo needs; its `networks:` may be a list of keys or a map of key → settings. */
export function normalizeService(name: string, s: Raw): ServiceModel {
  const networkMode = str(s.network_mode);
  const nets = s.networks;
  const entries: [string, Raw][] = Array.isArray(nets)
    ? nets.map((n) => [String(n), {}])
    : isMap(nets)
      ? Object.entries(nets).map(([k, v]) => [k, isMap(v) ? v : {}])
      : [];
  const pinnedAddresses: Record<string, string> = {};
  for (const [k, v] of entries) if (str(v.ipv4_address)) pinnedAddresses[k] = v.ipv4_address as string;
  const deploy = isMap(s.deploy) ? s.deploy : {};
  const replicas =
    (typeof deploy.replicas === 'number' ? deploy.replicas : undefined) ??
    (typeof s.scale === 'number' ? s.scale : undefined) ??
    1;
  return {
    name,
    networkMode,
    networks: networkMode ? [] : entries.length > 0 ? entries.map(([k]) => k) : ['default'],
    pinnedAddresses,
    ipv6On: entries.filter(([, v]) => str(v.ipv6_address)).map(([k]) => k),
    replicas,
    hasContainerName: str(s.container_name) !== undefined,
    ports: networkMode ? [] : normalizePorts(s.ports),
  };
}

/** `external: true` (named by `name:` or its key), or the old `external: {name}`. */
function externalName(key: string, n: Raw): string | undefined {
  if (isMap(n.external)) return str(n.external.name) ?? str(n.name) ?? key;
  return n.external === true ? (str(n.name) ?? key) : undefined;
}

/**
 * A top-level network. `project`: the project name Compose gave it in `config` output, where every
 * network has a `name`; a name that is just `<project>_<key>` is Compose's own, not one the files pin.
 */
export function normalizeNetwork(key: string, raw: unknown, project?: string): NetworkModel {
  const n = isMap(raw) ? raw : {};
  const ext = externalName(key, n);
  const ipamConfig = isMap(n.ipam) && Array.isArray(n.ipam.config) ? n.ipam.config.filter(isMap) : [];
  const name = ext ?? str(n.name);
  return {
    key,
    external: ext !== undefined,
    name: name === `${project}_${key}` && !ext ? undefined : name,
    driver: str(n.driver),
    internal: n.internal === true ? true : undefined,
    attachable: n.attachable === true ? true : undefined,
    enableIpv6: n.enable_ipv6 === true ? true : undefined,
    options: strMap(n.driver_opts),
    labels: strMap(n.labels),
    ipam: ipamConfig
      .filter((c) => str(c.subnet))
      .map((c) => ({
        subnet: c.subnet as string,
        gateway: str(c.gateway),
        ipRange: str(c.ip_range),
        auxAddresses: strMap(c.aux_addresses),
      })),
  };
}

export function normalizeVolume(key: string, raw: unknown, project?: string): VolumeModel {
  const v = isMap(raw) ? raw : {};
  const ext = externalName(key, v);
  const name = ext ?? str(v.name);
  return { key, external: ext !== undefined, name: name === `${project}_${key}` && !ext ? undefined : name };
}

/** The implicit `default` network when a service is on it and the files do not declare it. */
export function withDefaultNetwork(services: readonly ServiceModel[], networks: NetworkModel[]): NetworkModel[] {
  if (!services.some((s) => s.networks.includes('default')) || networks.some((n) => n.key === 'default'))
    return networks;
  return [...networks, normalizeNetwork('default', {})];
}

const byKey = <T extends { key: string }>(a: T, b: T) => compareNames(a.key, b.key);

/** Every service of the project, whatever profile it is in (the override must cover them all). */
export async function loadProject(
  docker: Docker,
  sel: ProjectSelector,
  cwd: string,
  writeStderr: (s: string) => void,
  fromFiles?: ProjectModel,
): Promise<ProjectModel> {
  if (fromFiles) return fromFiles;
  const r = await docker.compose(
    composeArgs(sel, { globals: ['--profile', '*'], subcommand: 'config', args: ['--format', 'json'] }),
    { cwd },
  );
  if (r.code !== 0) {
    // Compose's own message (bad YAML, unknown key, missing file...) is the best one: show it as is.
    writeStderr(r.stderr);
    throw new ExitCodeError(r.code);
  }
  const model = JSON.parse(r.stdout) as {
    name?: string;
    services?: Record<string, Raw>;
    networks?: Record<string, unknown>;
    volumes?: Record<string, unknown>;
  };
  const services = Object.entries(model.services ?? {})
    .sort(([a], [b]) => compareNames(a, b))
    .map(([name, s]) => normalizeService(name, s));
  const networks = Object.entries(model.networks ?? {}).map(([k, n]) => normalizeNetwork(k, n, model.name ?? sel.name));
  return {
    services,
    networks: withDefaultNetwork(services, networks).sort(byKey),
    volumes: Object.entries(model.volumes ?? {})
      .map(([k, v]) => normalizeVolume(k, v, model.name ?? sel.name))
      .sort(byKey),
  };
}
