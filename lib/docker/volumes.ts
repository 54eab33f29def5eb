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

/** The volumes Compose created for project `project` (by its label; external ones are not). */
export async function projectVolumes(docker: Docker, project: string): Promise<VolumeInfo[]> {
  const names = (
    await docker.check(
      ['volume', 'ls', '-q', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`],
      `listing the volumes of ${project}`,
    )
  )
    .split('\n')
    .filter(Boolean);
  if (names.length === 0) return [];
  const out = await docker.check(['volume', 'inspect', '--format', '{{json .}}', ...names], 'inspecting volumes');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const v = JSON.parse(line) as { Name: string; Driver: string; Options?: Raw; Labels?: Raw };
      return { name: v.Name, driver: v.Driver, options: v.Options ?? {}, labels: v.Labels ?? {} };
    });
}

interface RawMounted {
  Id: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Running: boolean; Paused: boolean };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string }[] | null;
}

/** The containers of project `project` (one-off ones too) with what each mounts. */
export async function projectMounts(docker: Docker, project: string): Promise<ContainerMounts[]> {
  const ids = (
    await docker.check(
      ['ps', '-a', '-q', '--no-trunc', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`],
      `listing the containers of ${project}`,
    )
  )
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  const out = await docker.check(['inspect', '--format', '{{json .}}', ...ids], 'inspecting containers');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const c = JSON.parse(line) as RawMounted;
      return {
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
      };
    });
}

/** Creates volume `v` as described (driver, options, labels). */
export async function createVolume(docker: Docker, v: VolumeInfo): Promise<void> {
  const args = ['volume', 'create', '--driver', v.driver];
  for (const [k, x] of Object.entries(v.options)) args.push('--opt', `${k}=${x}`);
  for (const [k, x] of Object.entries(v.labels)) args.push('--label', `${k}=${x}`);
  await docker.check([...args, v.name], `creating volume ${v.name}`);
}
