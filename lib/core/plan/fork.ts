// What `cilo fork SRC NEW` copies and what it cannot (docs/DESIGN.md §12), decided from what the engine holds
// of SRC: its named volumes are copied, data and all; a bind mount or a volume the project does not own is
// listed, and the fork uses it too (`share`) or has an empty volume there (`skip`), as the user chose.
import { UserError } from '../../errors/index.js';
import { COMPOSE_PROJECT_LABEL } from '../../docker/objects.js';
import { COMPOSE_VOLUME_LABEL, type ContainerMounts, type VolumeInfo } from '../../docker/volumes.js';
import { LABEL_ENV, LABEL_HOME } from '../../network/labels.js';
import type { EmptyMount, Environment } from '../../state/schema.js';

export type UncopiedChoice = 'share' | 'skip';

export interface VolumeCopy {
  /** The volume's key in the compose files. */
  key: string;
  from: VolumeInfo;
  /** The fork's volume: SRC's with the fork's name and project label. */
  to: VolumeInfo;
}

export interface UncopiedMount {
  service: string;
  target: string;
  /** `bind`: a host path; `external`: a volume the project does not own; `anonymous`: one nobody named. */
  kind: 'bind' | 'external' | 'anonymous';
  source: string;
  /** What the fork has there: the same source (`shared`), an empty volume (`empty`), a new anonymous one. */
  fork_uses: 'shared' | 'empty' | 'new';
}

const ANONYMOUS = /^[0-9a-f]{64}$/;

/** The mounts of SRC's containers whose data a copy of its volumes does not carry, one per service and target. */
export function uncopiedMounts(
  containers: readonly ContainerMounts[],
  owned: ReadonlySet<string>,
): Omit<UncopiedMount, 'fork_uses'>[] {
  const found = new Map<string, Omit<UncopiedMount, 'fork_uses'>>();
  for (const c of containers)
    for (const m of c.mounts) {
      const kind =
        m.type === 'bind'
          ? 'bind'
          : m.type !== 'volume' || owned.has(m.name ?? '')
            ? undefined
            : ANONYMOUS.test(m.name ?? '')
              ? 'anonymous'
              : 'external';
      if (kind)
        found.set(`${c.service}\0${m.target}`, {
          service: c.service,
          target: m.target,
          kind,
          source: m.name ?? m.source,
        });
    }
  return [...found.values()].sort((a, b) => `${a.service} ${a.target}`.localeCompare(`${b.service} ${b.target}`));
}

/** What the fork does at each uncopied mount; refused while a bind or external mount has no choice. */
export function chooseUncopied(
  source: string,
  mounts: readonly Omit<UncopiedMount, 'fork_uses'>[],
  choice: UncopiedChoice | undefined,
): { uncopied: UncopiedMount[]; emptyMounts: EmptyMount[] } {
  const needChoice = mounts.filter((m) => m.kind !== 'anonymous');
  if (needChoice.length > 0 && choice === undefined)
    throw new UserError(
      `${source} has data cilo cannot copy: ${needChoice.map((m) => `${m.service}:${m.target} (${m.kind} ${m.source})`).join(', ')}`,
      `say what the fork does with it: --uncopied share (use the same ones) or --uncopied skip (an empty volume there)`,
    );
  const uncopied = mounts.map((m): UncopiedMount => ({
    ...m,
    fork_uses: m.kind === 'anonymous' ? 'new' : choice === 'skip' ? 'empty' : 'shared',
  }));
  const emptyMounts = uncopied
    .filter((m) => m.fork_uses === 'empty')
    .map((m) => ({ service: m.service, target: m.target }));
  return { uncopied, emptyMounts };
}

/** SRC's volumes a fork copies: its project's named volumes (those Compose labels with their key). */
export const copiedVolumes = (volumes: readonly VolumeInfo[]) => volumes.filter((v) => v.labels[COMPOSE_VOLUME_LABEL]);

/**
 * Each volume of SRC's project as the fork's: the name its files give it in the fork, its labels the fork's
 * (its project, and the home `homeId` that made it: what destroy removes it by).
 */
export function volumeCopies(
  volumes: readonly VolumeInfo[],
  fork: Pick<Environment, 'name' | 'volumes'>,
  homeId: string,
): VolumeCopy[] {
  return copiedVolumes(volumes).map((from) => {
    const key = from.labels[COMPOSE_VOLUME_LABEL]!;
    const name = fork.volumes?.[key]?.name ?? `${fork.name}_${key}`;
    const labels = {
      ...from.labels,
      [COMPOSE_PROJECT_LABEL]: fork.name,
      [LABEL_ENV]: fork.name,
      [LABEL_HOME]: homeId,
    };
    return { key, from, to: { ...from, name, labels } };
  });
}
