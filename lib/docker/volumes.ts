// What `cilo fork` reads of a project's data (docs/DESIGN.md §12): the volumes Compose made for it, and what
// each of its containers mounts, as the engine describes them (asked by docker.ts).
import { COMPOSE_SERVICE_LABEL } from './objects.js';

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

/** A volume as the engine describes it (an inspect, or an entry of the API's list). */
export function parseVolume(answer: string | object): VolumeInfo {
  const v = (typeof answer === 'string' ? JSON.parse(answer) : answer) as {
    Name: string;
    Driver: string;
    Options?: Raw;
    Labels?: Raw;
  };
  return { name: v.Name, driver: v.Driver, options: v.Options ?? {}, labels: v.Labels ?? {} };
}

interface RawMounted {
  Id: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Running: boolean; Paused: boolean };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string }[] | null;
}

/** A container's inspect, read for what it mounts. */
export function parseMounts(answer: string | object): ContainerMounts {
  const c = (typeof answer === 'string' ? JSON.parse(answer) : answer) as RawMounted;
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
}
