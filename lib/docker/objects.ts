// What Docker says, as cilo reads it: networks, containers, the engine, Compose's version and labels; and the
// parsers of the docker CLI's JSON. Types and pure functions only: docker.ts asks, this file reads the answers.
import { UserError } from '../errors/index.js';
import type { RunResult } from './process.js';

export interface NetworkInfo {
  id: string;
  name: string;
  /** `local` (a bridge network) or `swarm` (an overlay network of the engine's swarm). */
  scope: string;
  subnets: string[];
  labels: Record<string, string>;
  /** container id → { name, ipv4 (without prefix) } */
  containers: Record<string, { name: string; ipv4: string }>;
}

export interface ContainerInfo {
  id: string;
  name: string;
  running: boolean;
  /** Paused (`docker pause`): a fork pauses its source for the copy. */
  paused: boolean;
  labels: Record<string, string>;
  /** network name → IPv4 address (empty string when none) */
  networks: Record<string, string>;
  /**
   * Its main network (HostConfig.NetworkMode) is gone: a forced removal disconnected it. Newer engines then
   * refuse to connect it to any network ("could not find a network matching network mode").
   */
  lostMainNetwork: boolean;
}

/** NetworkMode values that name no network of the container's own. */
const NOT_A_NETWORK = new Set(['', 'default', 'bridge', 'host', 'none']);

/** Whether `mode` (HostConfig.NetworkMode) names none of the networks the container is on, by name or ID. */
export function lostMainNetwork(mode: string | undefined, networks: Record<string, { NetworkID?: string }>): boolean {
  if (mode === undefined || NOT_A_NETWORK.has(mode) || /^(container|service|ns):/.test(mode)) return false;
  return !Object.entries(networks).some(([name, n]) => name === mode || n.NetworkID === mode);
}

/** What `docker network create` is given. */
export interface CreateNetwork {
  name: string;
  subnet: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
  driver?: string;
  internal?: boolean;
  attachable?: boolean;
  options?: Record<string, string>;
  labels: Record<string, string>;
}

/** What `docker info` says about an engine: who it is, and its place in a swarm. */
export interface EngineInfo {
  id: string;
  /** Podman behind its Docker-compatible socket. */
  podman: boolean;
  architecture: string;
  /** `OperatingSystem`: "Docker Desktop" for Docker Desktop, the host's distribution otherwise. */
  operatingSystem: string;
  serverVersion: string;
  /** The engine runs without root (`name=rootless` among its security options). */
  rootless: boolean;
  swarm: {
    /** `active` when the engine is a node of a swarm (`inactive`, `pending`, `error`, `locked` otherwise). */
    state: string;
    nodeId: string;
    manager: boolean;
    /** Node IDs of the swarm's managers: two engines share a swarm when these meet. */
    managers: string[];
  };
}

export const MIN_COMPOSE = [2, 24, 0] as const;

/** Labels Compose puts on what it creates. */
/** What the docker CLI says when it cannot reach the engine (as opposed to the engine refusing). */
export const ENGINE_UNREACHABLE =
  /Cannot connect to the Docker daemon|error during connect|connect: no such file|dial unix .*: connect|context deadline exceeded/i;

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_ONEOFF_LABEL = 'com.docker.compose.oneoff';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** Parses `2.26.1`, `v2.24.0-desktop.1`, `2.26.1-4` (Debian) into [major, minor, patch]. */
export function parseComposeVersion(text: string): [number, number, number] | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function versionAtLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!;
  }
  return true;
}

interface RawNetwork {
  Id: string;
  Name: string;
  Labels: Record<string, string> | null;
  Scope?: string;
  IPAM?: { Config?: { Subnet?: string }[] | null };
  Containers?: Record<string, { Name: string; IPv4Address: string }> | null;
}

/** A network as the engine describes it: its API's answer, which `docker network inspect` prints as JSON. */
export function parseNetwork(answer: string | object): NetworkInfo {
  const n = (typeof answer === 'string' ? JSON.parse(answer) : answer) as RawNetwork;
  const containers: NetworkInfo['containers'] = {};
  for (const [id, c] of Object.entries(n.Containers ?? {}))
    containers[id] = { name: c.Name, ipv4: c.IPv4Address.split('/')[0] ?? '' };
  return {
    id: n.Id,
    name: n.Name,
    scope: n.Scope ?? 'local',
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter(Boolean),
    labels: n.Labels ?? {},
    containers,
  };
}

interface RawContainer {
  Id: string;
  Name: string;
  State: { Running: boolean; Paused?: boolean };
  Config: { Labels: Record<string, string> | null };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; NetworkID?: string }> | null };
}

export function parseContainer(answer: string | object): ContainerInfo {
  const c = (typeof answer === 'string' ? JSON.parse(answer) : answer) as RawContainer;
  const networks: Record<string, string> = {};
  for (const [name, n] of Object.entries(c.NetworkSettings.Networks ?? {})) networks[name] = n.IPAddress;
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    running: c.State.Running,
    paused: c.State.Paused === true,
    labels: c.Config.Labels ?? {},
    networks,
    lostMainNetwork: lostMainNetwork(c.HostConfig?.NetworkMode, c.NetworkSettings.Networks ?? {}),
  };
}

/** A container as the API's list (`GET /containers/json`) gives it: its networks and labels, no inspect. */
export interface ApiContainer {
  Id: string;
  Names?: string[];
  State?: string;
  Labels?: Record<string, string> | null;
  Ports?: { PublicPort?: number }[] | null;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; NetworkID?: string }> | null };
}

export function containerFromList(c: ApiContainer): ContainerInfo {
  const networks: Record<string, string> = {};
  for (const [name, n] of Object.entries(c.NetworkSettings?.Networks ?? {})) networks[name] = n.IPAddress ?? '';
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    running: c.State === 'running',
    paused: c.State === 'paused',
    labels: c.Labels ?? {},
    networks,
    lostMainNetwork: lostMainNetwork(c.HostConfig?.NetworkMode, c.NetworkSettings?.Networks ?? {}),
  };
}

interface RawInfo {
  ID?: string;
  Name?: string;
  DockerRootDir?: string;
  /** Only Podman's compat API has it. */
  BuildahVersion?: string;
  /** Podman's word for a rootless engine. */
  Rootless?: boolean;
  Architecture?: string;
  OperatingSystem?: string;
  ServerVersion?: string;
  SecurityOptions?: string[] | null;
  Swarm?: {
    LocalNodeState?: string;
    NodeID?: string;
    ControlAvailable?: boolean;
    RemoteManagers?: { NodeID?: string }[] | null;
  };
}

/** An engine's `/info` (`docker info --format '{{json .}}'` prints the same object). */
export function parseEngineInfo(json: unknown): EngineInfo {
  const raw = (json ?? {}) as RawInfo;
  const security = raw.SecurityOptions ?? [];
  const os = raw.OperatingSystem ?? '';
  const swarm = raw.Swarm ?? {};
  const podman = raw.BuildahVersion !== undefined;
  return {
    // Podman 4's compat API answers a new random ID on every `/info`: its host name and storage root name it.
    id: podman ? `podman:${raw.Name ?? ''}:${raw.DockerRootDir ?? ''}` : (raw.ID ?? ''),
    podman,
    architecture: raw.Architecture ?? '',
    operatingSystem: os,
    serverVersion: raw.ServerVersion ?? '',
    rootless: security.some((o) => /(^|,)name=rootless(,|$)/.test(o)) || raw.Rootless === true,
    swarm: {
      state: swarm.LocalNodeState ?? '',
      nodeId: swarm.NodeID ?? '',
      manager: swarm.ControlAvailable === true,
      managers: (swarm.RemoteManagers ?? []).map((m) => m.NodeID ?? '').filter(Boolean),
    },
  };
}

/** The host ports in `docker ps`'s Ports column (`127.0.0.1:24000->80/tcp, 0.0.0.0:9000-9001->90-91/udp`). */
export function parseHostPorts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/:(\d+)(?:-(\d+))?->/g))
    for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]); p++) out.push(p);
  return out;
}

/**
 * The output of an `inspect` of several objects, which prints those that exist and exits 1 when one is
 * missing: that is no error (one removed meanwhile is simply gone); any other failure is.
 */
export function missingOnly(r: Pick<RunResult, 'code' | 'stdout' | 'stderr'>, what: string): string {
  if (r.code === 0) return r.stdout;
  const other = r.stderr.split('\n').filter((l) => l.trim() && !/no such|not found/i.test(l));
  if (other.length > 0 || !r.stderr.trim())
    throw new UserError(`${what} failed: ${other[0]?.trim() ?? `docker exited with ${r.code}`}`);
  return r.stdout;
}
