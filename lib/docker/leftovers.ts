// What Compose leaves behind for a project, found by its label: removed by `destroy` and `doctor --fix`.
import type { Docker } from './docker.js';
import { COMPOSE_PROJECT_LABEL } from './objects.js';
import { tolerating } from './writes.js';

/**
 * Networks (and, if asked, volumes) Compose made for a project, found by label: what `down -v` missed, or
 * what a forgotten project left. A network still in use is left where it is.
 */
export async function removeComposeLeftovers(
  docker: Docker,
  project: string,
  opts: { volumes: boolean },
): Promise<void> {
  if (opts.volumes) await docker.removeVolumes((await docker.projectVolumes(project)).map((v) => v.name));
  const nets = await docker.listNetworks(undefined, `${COMPOSE_PROJECT_LABEL}=${project}`);
  for (const n of nets) await docker.removeNetwork(n.id).catch(tolerating('in-use'));
}
