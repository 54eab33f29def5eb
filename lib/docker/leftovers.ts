// What Compose leaves behind for a project, found by its label: removed by `destroy` and `doctor --fix`.
import type { Docker } from './docker.js';
import { COMPOSE_PROJECT_LABEL } from './objects.js';

/**
 * Networks (and, if asked, volumes) Compose made for a project, found by label: what `down -v` missed, or
 * what a forgotten project left. Docker refuses networks still in use; that refusal is left as is.
 */
export async function removeComposeLeftovers(
  docker: Docker,
  project: string,
  opts: { volumes: boolean },
): Promise<void> {
  const filter = `label=${COMPOSE_PROJECT_LABEL}=${project}`;
  if (opts.volumes) {
    const vols = (await docker.check(['volume', 'ls', '-q', '--filter', filter], 'listing volumes'))
      .split('\n')
      .filter(Boolean);
    if (vols.length > 0) await docker.check(['volume', 'rm', '-f', ...vols], 'removing volumes');
  }
  const nets = (await docker.check(['network', 'ls', '-q', '--filter', filter], 'listing networks'))
    .split('\n')
    .filter(Boolean);
  for (const n of nets) await docker.removeNetwork(n);
}
