// The project model read from the parsed compose files alone, when that is exact: plain files merged the
// way Compose merges them. It saves a `docker compose config` (~80 ms) on the managed path, and declines
// (undefined) whatever only Compose can say: `include`, `extends`, merge tags, interpolation in the keys
// cilo reads. A test holds every answer against `docker compose config` (test/compose/project-files.test.ts).
import { compareNames } from '../state/names.js';
import type { ParsedComposeFile } from './yaml-file.js';
import { normalizeNetwork, normalizeService, normalizeVolume, withDefaultNetwork, type ProjectModel } from './model.js';

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Interpolation or a YAML tag in a value cilo reads: only Compose knows what it becomes. */
const unsure = (v: unknown) => v !== undefined && /[$!]/.test(JSON.stringify(v));

/** The service keys cilo reads, merged: a later file's keys replace, its networks join the earlier ones. */
function mergeService(into: Raw, svc: Raw): Raw | undefined {
  const deploy = isMap(svc.deploy) ? svc.deploy : undefined;
  if ([svc.network_mode, svc.networks, svc.container_name, svc.scale, deploy?.replicas, svc.ports].some(unsure))
    return undefined;
  // Two files that both publish ports for a service: how Compose merges them is Compose's to say.
  if (svc.ports !== undefined && into.ports !== undefined) return undefined;
  if (svc.networks !== undefined && svc.networks !== null && !Array.isArray(svc.networks) && !isMap(svc.networks))
    return undefined;
  const replicas = deploy?.replicas ?? svc.scale;
  if (replicas !== undefined && typeof replicas !== 'number') return undefined;
  const asMap = (n: unknown): Raw =>
    Array.isArray(n) ? Object.fromEntries(n.map((k) => [String(k), {}])) : isMap(n) ? n : {};
  const out: Raw = { ...into };
  for (const k of ['network_mode', 'container_name', 'scale', 'ports'] as const)
    if (svc[k] !== undefined) out[k] = svc[k];
  if (deploy?.replicas !== undefined) out.deploy = { replicas: deploy.replicas };
  if (svc.networks !== undefined && svc.networks !== null) {
    const merged: Raw = { ...asMap(into.networks) };
    for (const [k, v] of Object.entries(asMap(svc.networks)))
      merged[k] = { ...(isMap(merged[k]) ? merged[k] : {}), ...(isMap(v) ? v : {}) };
    out.networks = merged;
  }
  return out;
}

/** Top-level networks or volumes, merged key by key (a later file's settings of one key replace earlier ones). */
function mergeTop(into: Record<string, Raw>, section: unknown): boolean {
  if (section === undefined || section === null) return true;
  if (!isMap(section)) return false;
  for (const [k, v] of Object.entries(section)) {
    if (unsure(v) || (v !== null && !isMap(v))) return false;
    into[k] = { ...(into[k] ?? {}), ...(v ?? {}) };
  }
  return true;
}

/**
 * The named volumes a service mounts: `name:/path[:mode]` (a path source is a bind mount, a lone path an
 * anonymous volume) or `{type: volume, source: name}`. Undefined when only Compose can say.
 */
function mountedVolumes(svc: Raw): string[] | undefined {
  if (svc.volumes === undefined || svc.volumes === null) return [];
  if (!Array.isArray(svc.volumes) || unsure(svc.volumes)) return undefined;
  return svc.volumes.flatMap((v) => {
    if (typeof v === 'string') {
      const parts = v.split(':');
      return parts.length >= 2 && !/^[/.~]/.test(parts[0]!) && parts[0] ? [parts[0]] : [];
    }
    return isMap(v) && v.type === 'volume' && typeof v.source === 'string' ? [v.source] : [];
  });
}

export function projectFromFiles(files: readonly ParsedComposeFile[], project: string): ProjectModel | undefined {
  const services = new Map<string, Raw>();
  const networks: Record<string, Raw> = {};
  const volumes: Record<string, Raw> = {};
  const mounted = new Set<string>();
  for (const f of files) {
    if (/!(reset|override)\b/.test(f.text)) return undefined;
    const root = f.doc.toJS({ maxAliasCount: 1000 }) as Raw | null;
    if (!isMap(root) || 'include' in root) return undefined;
    if (!mergeTop(networks, root.networks) || !mergeTop(volumes, root.volumes)) return undefined;
    if (root.services === undefined || root.services === null) continue;
    if (!isMap(root.services)) return undefined;
    for (const [name, raw] of Object.entries(root.services)) {
      const svc = raw ?? {};
      if (!isMap(svc) || 'extends' in svc) return undefined;
      const merged = mergeService(services.get(name) ?? {}, svc);
      const vols = mountedVolumes(svc);
      if (!merged || !vols) return undefined;
      vols.forEach((v) => mounted.add(v));
      services.set(name, merged);
    }
  }
  const model = [...services].sort(([a], [b]) => compareNames(a, b)).map(([name, s]) => normalizeService(name, s));
  // Like Compose, a network or volume no service uses is no part of the project.
  const used = new Set(model.flatMap((s) => s.networks));
  const nets = Object.entries(networks)
    .filter(([k]) => used.has(k))
    .map(([k, n]) => normalizeNetwork(k, n, project));
  return {
    services: model,
    networks: withDefaultNetwork(model, nets).sort((a, b) => compareNames(a.key, b.key)),
    volumes: Object.entries(volumes)
      .filter(([k]) => mounted.has(k))
      .map(([k, v]) => normalizeVolume(k, v, project))
      .sort((a, b) => compareNames(a.key, b.key)),
  };
}
