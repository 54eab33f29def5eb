// The changes cilo makes to an engine's objects, each described once: its API request per object and the
// docker CLI's argv doing the same (docker.ts picks the transport), and what the engine's refusals mean.
// Pure: no process, no socket.
import { UserError } from '../errors/index.js';
import type { CreateNetwork } from './objects.js';

/** Why the engine refused a change: what callers act on. `other`: anything else (its message says what). */
export type Refusal = 'missing' | 'exists' | 'in-use' | 'overlap' | 'pools-exhausted' | 'port-taken' | 'other';

export interface ApiRequest {
  method: 'POST' | 'DELETE';
  path: string;
  body?: object;
}

export interface Write {
  /** For messages: "removing containers". */
  what: string;
  /** One request of the engine's API per object. */
  requests: ApiRequest[];
  /** The docker CLI's command doing the same for every object at once (one process, also over ssh). */
  argv: string[];
  /** What an API status means for this change, where Docker's status alone says it. */
  statuses: Partial<Record<number, Refusal>>;
  /** Refusals that leave the change done (a container to remove that is already gone). */
  done: Refusal[];
}

/** The engine refused a change: the kind of refusal (what callers act on) and the engine's own words. */
export class EngineRefusedError extends UserError {
  constructor(
    readonly refusal: Refusal,
    readonly what: string,
    readonly engineMessage: string,
  ) {
    super(`${what} failed: ${engineMessage}`);
    this.name = 'EngineRefusedError';
  }
}

// Podman answers 500 for most refusals and says which in a `cause` field of its own (docs/TEST-RIG.md,
// "What the engines answer to a refused change").
const CAUSES: [RegExp, Refusal][] = [
  [/^(network not found|no such (container|volume))$/, 'missing'],
  [/^network (already exists|is already connected)$/, 'exists'],
  [/^(network|volume) is being used$/, 'in-use'],
];

/**
 * Docker's words for its own address pools used up (engine 20.10's, engine 28's): they hold ~30 networks on a
 * default engine. cilo gives its networks subnets of its own pool; networks the engine addresses do not.
 */
export const POOLS_EXHAUSTED =
  /could not find an available, non-overlapping IPv4 address pool|all predefined address pools have been fully subnetted/i;

// The words of engines that give neither (the docker CLI prints only the message; a status shared by several
// refusals): Docker 20.10 and 28, Podman 4.3 and 5. Pools first: their message says "non-overlapping". Each has
// a space or a capital where a name could match it (names hold neither): "x_overlap already exists" exists.
const WORDS: [RegExp, Refusal][] = [
  [POOLS_EXHAUSTED, 'pools-exhausted'],
  [/Pool overlaps|already used on the host/, 'overlap'],
  [/port is already allocated|address already in use/i, 'port-taken'],
  [/no such|not found|is not connected/i, 'missing'],
  [/already exists|already connected|already in use/i, 'exists'],
  [/active endpoints|in use|is being used/i, 'in-use'],
];

/** What a refusal is: by the API's status for this change, else Podman's cause, else the engine's words. */
export function classify(w: Write, answer: { status?: number; cause?: string; message: string }): Refusal {
  const byStatus = answer.status === undefined ? undefined : (w.statuses[answer.status] ?? undefined);
  if (byStatus) return byStatus;
  // A path the engine does not serve is no missing object (names are encoded: no request of ours should hit one).
  if (answer.status === 404) return answer.message === 'page not found' ? 'other' : 'missing';
  const byCause = answer.cause === undefined ? undefined : CAUSES.find(([re]) => re.test(answer.cause!));
  return byCause?.[1] ?? WORDS.find(([re]) => re.test(answer.message))?.[1] ?? 'other';
}

const at = (kind: string, name: string) => `/${kind}/${encodeURIComponent(name)}`;

export function networkCreate(o: CreateNetwork): Write {
  const argv = ['network', 'create', '--driver', o.driver ?? 'bridge', '--subnet', o.subnet];
  if (o.gateway) argv.push('--gateway', o.gateway);
  if (o.ipRange) argv.push('--ip-range', o.ipRange);
  for (const [k, v] of Object.entries(o.auxAddresses ?? {})) argv.push('--aux-address', `${k}=${v}`);
  if (o.internal) argv.push('--internal');
  if (o.attachable) argv.push('--attachable');
  for (const [k, v] of Object.entries(o.options ?? {})) argv.push('--opt', `${k}=${v}`);
  for (const [k, v] of Object.entries(o.labels)) argv.push('--label', `${k}=${v}`);
  argv.push(o.name);
  const ipam = { Subnet: o.subnet, Gateway: o.gateway, IPRange: o.ipRange, AuxiliaryAddresses: o.auxAddresses };
  const body = {
    Name: o.name,
    // Refuse a second network of the name, as the CLI does (engines before API 1.44 need asking).
    CheckDuplicate: true,
    Driver: o.driver ?? 'bridge',
    IPAM: { Driver: 'default', Config: [ipam] },
    Internal: o.internal ?? false,
    Attachable: o.attachable ?? false,
    Options: o.options ?? {},
    Labels: o.labels,
  };
  const requests: ApiRequest[] = [{ method: 'POST', path: '/networks/create', body }];
  return { what: `creating Docker network ${o.name}`, requests, argv, statuses: { 409: 'exists' }, done: [] };
}

export const networkRemove = (id: string): Write => ({
  what: `removing Docker network ${id.slice(0, 12)}`,
  requests: [{ method: 'DELETE', path: at('networks', id) }],
  argv: ['network', 'rm', id],
  // Docker: 403 is "has active endpoints" (a predefined network is never cilo's to remove).
  statuses: { 403: 'in-use' },
  done: ['missing'],
});

export const networkConnect = (network: string, container: string): Write => ({
  what: `connecting ${container.slice(0, 12)} to ${network}`,
  requests: [{ method: 'POST', path: `${at('networks', network)}/connect`, body: { Container: container } }],
  argv: ['network', 'connect', network, container],
  statuses: {},
  done: [],
});

export const networkDisconnect = (network: string, container: string): Write => ({
  what: `disconnecting ${container.slice(0, 12)} from ${network}`,
  requests: [
    { method: 'POST', path: `${at('networks', network)}/disconnect`, body: { Container: container, Force: true } },
  ],
  argv: ['network', 'disconnect', '--force', network, container],
  statuses: {},
  done: ['missing'],
});

/** A container as cilo creates one (the router, a fork's helpers, an anchor): never pulls its image. */
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  entrypoint?: string;
  labels: Record<string, string>;
  network?: string;
  logDriver?: string;
  restart?: string;
  ports?: { hostIp: string; host: number; container: number }[];
  volumes?: { source: string; target: string; readonly?: boolean }[];
}

export function containerCreate(c: ContainerSpec): Write {
  const argv = ['container', 'create', '--pull', 'never', '--name', c.name];
  if (c.network) argv.push('--network', c.network);
  if (c.logDriver) argv.push('--log-driver', c.logDriver);
  if (c.restart) argv.push('--restart', c.restart);
  if (c.entrypoint) argv.push('--entrypoint', c.entrypoint);
  for (const [k, v] of Object.entries(c.labels)) argv.push('--label', `${k}=${v}`);
  for (const p of c.ports ?? []) argv.push('-p', `${p.hostIp}:${p.host}:${p.container}`);
  for (const v of c.volumes ?? [])
    argv.push('--mount', `type=volume,src=${v.source},dst=${v.target}${v.readonly ? ',readonly' : ''}`);
  argv.push(c.image, ...(c.command ?? []));
  const port = (p: { container: number }) => `${p.container}/tcp`;
  const body = {
    Image: c.image,
    ...(c.command ? { Cmd: c.command } : {}),
    ...(c.entrypoint ? { Entrypoint: [c.entrypoint] } : {}),
    Labels: c.labels,
    ExposedPorts: Object.fromEntries((c.ports ?? []).map((p) => [port(p), {}])),
    HostConfig: {
      ...(c.network ? { NetworkMode: c.network } : {}),
      ...(c.logDriver ? { LogConfig: { Type: c.logDriver, Config: {} } } : {}),
      ...(c.restart ? { RestartPolicy: { Name: c.restart } } : {}),
      PortBindings: Object.fromEntries(
        (c.ports ?? []).map((p) => [port(p), [{ HostIp: p.hostIp, HostPort: String(p.host) }]]),
      ),
      Mounts: (c.volumes ?? []).map((v) => ({
        Type: 'volume',
        Source: v.source,
        Target: v.target,
        ReadOnly: v.readonly ?? false,
      })),
    },
  };
  const requests: ApiRequest[] = [
    { method: 'POST', path: `/containers/create?name=${encodeURIComponent(c.name)}`, body },
  ];
  return { what: `creating container ${c.name}`, requests, argv, statuses: { 409: 'exists' }, done: [] };
}

export const containerStart = (id: string): Write => ({
  what: `starting container ${id.slice(0, 12)}`,
  requests: [{ method: 'POST', path: `${at('containers', id)}/start` }],
  argv: ['start', id],
  statuses: {},
  done: [],
});

export const containersRemove = (ids: readonly string[]): Write => ({
  what: 'removing containers',
  requests: ids.map((id) => ({ method: 'DELETE', path: `${at('containers', id)}?force=1&v=1` })),
  argv: ['rm', '-f', '-v', ...ids],
  statuses: {},
  done: ['missing'],
});

export const volumesRemove = (names: readonly string[]): Write => ({
  what: 'removing volumes',
  requests: names.map((n) => ({ method: 'DELETE', path: `${at('volumes', n)}?force=1` })),
  argv: ['volume', 'rm', '-f', ...names],
  statuses: { 409: 'in-use' },
  done: ['missing'],
});

export const containersPause = (ids: readonly string[], pause: boolean): Write => ({
  what: `${pause ? 'pausing' : 'unpausing'} containers`,
  requests: ids.map((id) => ({ method: 'POST', path: `${at('containers', id)}/${pause ? 'pause' : 'unpause'}` })),
  argv: [pause ? 'pause' : 'unpause', ...ids],
  statuses: {},
  done: [],
});

/** A `catch` handler that lets refusals of these kinds pass (the change's goal holds) and throws the rest. */
export const tolerating =
  (...kinds: Refusal[]) =>
  (e: unknown): void => {
    if (!(e instanceof EngineRefusedError && kinds.includes(e.refusal))) throw e;
  };

export function volumeCreate(v: { name: string; driver: string; options: object; labels: object }): Write {
  const argv = ['volume', 'create', '--driver', v.driver];
  for (const [k, x] of Object.entries(v.options)) argv.push('--opt', `${k}=${String(x)}`);
  for (const [k, x] of Object.entries(v.labels)) argv.push('--label', `${k}=${String(x)}`);
  argv.push(v.name);
  const body = { Name: v.name, Driver: v.driver, DriverOpts: v.options, Labels: v.labels };
  const requests: ApiRequest[] = [{ method: 'POST', path: '/volumes/create', body }];
  return { what: `creating volume ${v.name}`, requests, argv, statuses: {}, done: [] };
}
