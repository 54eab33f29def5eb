// What `cilo fork` asks the engine about a project's data (docs/DESIGN.md §12): the volumes Compose made for it,
// and what each of its containers mounts. Through the docker CLI, so it works on a remote engine too.
import type { Docker } from './docker.js';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from './objects.js';

export const COMPOSE_VOLUME_LABEL = 'com.docker.compose.volume';

type Raw = Record<string, string> | null | undefined;

export interface VolumeInfo {
  name: string;
  driver: string;
  options: Record<string, string>;
  labels: Record<string, string>;
}

export interface MountInfo {
  type: string;
  /** A volume's name (an anonymous one's is a hash). */
  name?: string;
  /** A bind mount's host path, a volume's directory on the engine. */
  source: string;
  target: string;
}

export interface ContainerMounts {
  id: string;
  service: string;
  image: string;
  running: boolean;
  paused: boolean;
  mounts: MountInfo[];
}

/** The objects one `docker … ls -q` lists, inspected at once: each as parsed JSON (none: no inspect). */
async function listInspected<T>(docker: Docker, list: string[], inspect: string[], what: string): Promise<T[]> {
  const ids = (await docker.check(list, `listing ${what}`)).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const out = await docker.check([...inspect, '--format', '{{json .}}', ...ids], `inspecting ${what}`);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** The volumes Compose created for project `project` (by its label; external ones are not). */
export async function projectVolumes(docker: Docker, project: string): Promise<VolumeInfo[]> {
  const filter = `label=${COMPOSE_PROJECT_LABEL}=${project}`;
  const raw = await listInspected<{ Name: string; Driver: string; Options?: Raw; Labels?: Raw }>(
    docker,
    ['volume', 'ls', '-q', '--filter', filter],
    ['volume', 'inspect'],
    `the volumes of ${project}`,
  );
  return raw.map((v) => ({ name: v.Name, driver: v.Driver, options: v.Options ?? {}, labels: v.Labels ?? {} }));
}

interface RawMounted {
  Id: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Running: boolean; Paused: boolean };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string }[] | null;
}

/** The containers of project `project` (one-off ones too) with what each mounts. */
export async function projectMounts(docker: Docker, project: string): Promise<ContainerMounts[]> {
  const filter = `label=${COMPOSE_PROJECT_LABEL}=${project}`;
  const raw = await listInspected<RawMounted>(
    docker,
    ['ps', '-a', '-q', '--no-trunc', '--filter', filter],
    ['inspect'],
    `the containers of ${project}`,
  );
  return raw.map((c) => ({
    id: c.Id,
    service: c.Config.Labels?.[COMPOSE_SERVICE_LABEL] ?? '',
    image: c.Config.Image,
    running: c.State.Running,
    paused: c.State.Paused,
    mounts: (c.Mounts ?? []).map((m) => ({
      type: m.Type,
      ...(m.Name ? { name: m.Name } : {}),
      source: m.Source,
      target: m.Destination,
    })),
  }));
}

/** Creates volume `v` as described (driver, options, labels). */
export async function createVolume(docker: Docker, v: VolumeInfo): Promise<void> {
  const args = ['volume', 'create', '--driver', v.driver];
  for (const [k, x] of Object.entries(v.options)) args.push('--opt', `${k}=${x}`);
  for (const [k, x] of Object.entries(v.labels)) args.push('--label', `${k}=${x}`);
  await docker.check([...args, v.name], `creating volume ${v.name}`);
}
