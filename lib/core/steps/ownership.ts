// What of a Compose project this CILO_HOME created (docs/DESIGN.md §13, "Threat model"). Every container and
// volume cilo has Compose make carries the home's label (`cilo.home`), and removal (destroy, the undo of a
// failed first `up`) selects by it: a plain Compose project's data, or another home's environment of the same name,
// is never removed. A project that already has objects when it is first registered is refused, unless the
// user adopts them; adopted volumes are then the files' external ones, never removed by cilo.
import { UserError } from '../../errors/index.js';
import { COMPOSE_PROJECT_LABEL } from '../../docker/objects.js';
import { LABEL_ENV, LABEL_HOME } from '../../network/labels.js';
import { homeId } from '../../state/paths.js';
import type { Environment } from '../../state/schema.js';
import type { Context } from '../../context.js';

interface Labelled {
  name: string;
  labels: Record<string, string>;
}

export interface ProjectObjects {
  containers: Labelled[];
  volumes: Labelled[];
  networks: Labelled[];
}

/** What a new record says of its objects: labelled (always, since ownership labels), and what it adopted. */
export type Ownership = Pick<Environment, 'labelled' | 'adopted_volumes'>;

/**
 * The objects of a project that `home` did not create, as "container web-1" words; those of another cilo
 * home apart (no adopting them: they are that home's to destroy). Pure.
 */
export function foreignObjects(home: string, objs: ProjectObjects): { plain: string[]; otherHomes: string[] } {
  const id = homeId(home);
  const plain: string[] = [];
  const otherHomes: string[] = [];
  const sort = (kind: string, list: Labelled[]) => {
    for (const o of list) {
      const owner = o.labels[LABEL_HOME];
      if (owner === id) continue;
      (owner ? otherHomes : plain).push(`${kind} ${o.name}`);
    }
  };
  sort('container', objs.containers);
  sort('volume', objs.volumes);
  sort('network', objs.networks);
  return { plain, otherHomes };
}

/**
 * The decision for a first registration, given what the engine holds of the project (`source`: its
 * directory, named in the hint when it needs no quoting). Pure.
 */
export function ownershipFor(
  home: string,
  name: string,
  source: string,
  objs: ProjectObjects,
  adopt: boolean,
): Ownership {
  const { plain, otherHomes } = foreignObjects(home, objs);
  if (otherHomes.length > 0)
    throw new UserError(
      `project ${name} on this engine belongs to another cilo home: ${otherHomes.join(', ')}`,
      `pick another name (cilo-compose -p <name> …), or destroy it from the CILO_HOME that made it`,
    );
  if (plain.length === 0) return { labelled: true };
  if (!adopt)
    throw new UserError(
      `project ${name} already has objects that this CILO_HOME did not create: ${plain.join(', ')}; cilo changes nothing`,
      `to let cilo run it and keep them (cilo will never remove them): cilo create ${name} --from ${/^[\w./@:+-]+$/.test(source) ? source : '<dir>'} --adopt; or pick another name: cilo-compose -p <name> …`,
    );
  const adopted = objs.volumes.filter((v) => !v.labels[LABEL_HOME]).map((v) => v.name);
  return { labelled: true, ...(adopted.length > 0 ? { adopted_volumes: adopted.sort() } : {}) };
}

/** The containers, volumes and networks Compose's label gives to project `name` on this engine. */
export async function projectObjects(ctx: Context, name: string): Promise<ProjectObjects> {
  const filter = `${COMPOSE_PROJECT_LABEL}=${name}`;
  const [containers, volumes, networks] = await Promise.all([
    ctx.docker.listContainers([filter]),
    ctx.docker.projectVolumes(name),
    ctx.docker.listNetworks(() => true, filter),
  ]);
  return { containers, volumes, networks };
}

/**
 * Removes the containers (with their anonymous volumes) and named volumes this home made for the environment:
 * by its labels, never the volumes it adopted. A record from before ownership labels is not `labelled`: the
 * caller removes its objects by project, as cilo did then.
 */
export async function removeOwned(ctx: Context, record: Environment): Promise<void> {
  const mine = `${LABEL_HOME}=${homeId(ctx.home)}`;
  const found = await Promise.all([
    ctx.docker.listContainers([`${COMPOSE_PROJECT_LABEL}=${record.name}`, mine]),
    ctx.docker.listContainers([`${LABEL_ENV}=${record.name}`, mine]),
  ]);
  await ctx.docker.removeContainers([...new Set(found.flat().map((c) => c.id))]);
  const volumes = (await ctx.docker.projectVolumes(record.name))
    .filter((v) => v.labels[LABEL_HOME] === homeId(ctx.home) && !record.adopted_volumes?.includes(v.name))
    .map((v) => v.name);
  await ctx.docker.removeVolumes(volumes);
}
