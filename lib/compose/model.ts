// The services of a project and the few keys of theirs cilo needs. Read from the parsed files when that is
// exact (plain files merged by service name), otherwise from `docker compose config --format json`, which
// does includes, extends and interpolation (JSON drops service-level x-* keys, docker/compose#11528; we
// read only standard keys).
import { ExitCodeError } from '../errors/index.js';
import type { Docker } from '../docker/docker.js';
import type { ParsedComposeFile } from './yaml-file.js';
import { composeArgs, type ProjectSelector } from './command.js';

export interface ServiceModel {
  name: string;
  networkMode?: string;
  networks: string[];
  replicas: number;
  hasContainerName: boolean;
}

interface RawService {
  network_mode?: string;
  networks?: Record<string, unknown> | null;
  scale?: number;
  deploy?: { replicas?: number } | null;
  container_name?: string;
}

/**
 * The services, read from the parsed files, or undefined when only Compose can say: `include`, `extends`,
 * merge tags, or interpolation in the keys we read. Files merge like Compose: a later file's service keys
 * replace the earlier ones', network lists are merged. All profiles count (the override covers them all).
 */
export function servicesFromFiles(files: readonly ParsedComposeFile[]): ServiceModel[] | undefined {
  const merged = new Map<string, { networkMode?: string; networks: Set<string>; replicas?: number; hasContainerName: boolean }>();
  for (const f of files) {
    if (/!(reset|override)\b/.test(f.text)) return undefined;
    const root = f.doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown> | null;
    if (root === null || typeof root !== 'object' || 'include' in root) return undefined;
    const services = root.services;
    if (services === undefined || services === null) continue;
    if (typeof services !== 'object' || Array.isArray(services)) return undefined;
    for (const [name, raw] of Object.entries(services as Record<string, unknown>)) {
      const svc = (raw ?? {}) as Record<string, unknown>;
      if (typeof svc !== 'object' || Array.isArray(svc) || 'extends' in svc) return undefined;
      const relevant = [svc.network_mode, svc.networks, svc.container_name, svc.scale, (svc.deploy as Record<string, unknown> | undefined)?.replicas];
      if (relevant.some((v) => v !== undefined && /[$!]/.test(JSON.stringify(v)))) return undefined;
      const m = merged.get(name) ?? { networks: new Set<string>(), hasContainerName: false };
      if (typeof svc.network_mode === 'string') m.networkMode = svc.network_mode;
      const nets = svc.networks;
      if (Array.isArray(nets)) nets.forEach((n) => m.networks.add(String(n)));
      else if (nets && typeof nets === 'object') Object.keys(nets).forEach((n) => m.networks.add(n));
      else if (nets !== undefined && nets !== null) return undefined;
      const replicas = (svc.deploy as { replicas?: unknown } | undefined)?.replicas ?? svc.scale;
      if (typeof replicas === 'number') m.replicas = replicas;
      else if (replicas !== undefined) return undefined;
      if (typeof svc.container_name === 'string' && svc.container_name) m.hasContainerName = true;
      merged.set(name, m);
    }
  }
  return [...merged.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, m]) => ({
      name,
      networkMode: m.networkMode,
      networks: m.networkMode ? [] : m.networks.size > 0 ? [...m.networks] : ['default'],
      replicas: m.replicas ?? 1,
      hasContainerName: m.hasContainerName,
    }));
}

/** Every service of the project, whatever profile it is in (the override must cover them all). */
export async function loadServices(docker: Docker, sel: ProjectSelector, cwd: string, writeStderr: (s: string) => void, fromFiles?: ServiceModel[]): Promise<ServiceModel[]> {
  if (fromFiles) return fromFiles;
  const r = await docker.compose(composeArgs(sel, { globals: ['--profile', '*'], subcommand: 'config', args: ['--format', 'json'] }), { cwd });
  if (r.code !== 0) {
    // Compose's own message (bad YAML, unknown key, missing file...) is the best one: show it as is.
    writeStderr(r.stderr);
    throw new ExitCodeError(r.code);
  }
  const model = JSON.parse(r.stdout) as { services?: Record<string, RawService> };
  return Object.entries(model.services ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => ({
      name,
      networkMode: s.network_mode,
      networks: Object.keys(s.networks ?? {}),
      replicas: s.deploy?.replicas ?? s.scale ?? 1,
      hasContainerName: typeof s.container_name === 'string' && s.container_name.length > 0,
    }));
}

/** `--scale svc=N` options of an `up` command line (Compose also accepts `--scale=svc=N`). */
export function scaleOptions(subArgs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < subArgs.length; i++) {
    const a = subArgs[i]!;
    if (a === '--') break;
    const v = a === '--scale' ? subArgs[++i] : a.startsWith('--scale=') ? a.slice(8) : undefined;
    const m = v !== undefined ? /^([^=]+)=(\d+)$/.exec(v) : null;
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Options of `run` that take a value (Compose 2.24+), so their value is not taken for the service. */
const RUN_VALUE_OPTIONS = new Set(['--cap-add', '--cap-drop', '--entrypoint', '-e', '--env', '--env-from-file', '-l', '--label', '--name', '-p', '--publish', '--pull', '-u', '--user', '-v', '--volume', '-w', '--workdir']);

/** The service of a `run` command line (its first argument that is not an option), if any. */
export function runService(subArgs: readonly string[]): string | undefined {
  for (let i = 0; i < subArgs.length; i++) {
    const a = subArgs[i]!;
    if (a === '--') return subArgs[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    if (RUN_VALUE_OPTIONS.has(a)) i++; // `--opt value`; `--opt=value`, `-eX=1` and flags carry no separate value
  }
  return undefined;
}

/** `SERVICE=REPLICAS` arguments of the `scale` subcommand. */
export function scaleArguments(subArgs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of subArgs) {
    const m = /^([^-=][^=]*)=(\d+)$/.exec(a);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
