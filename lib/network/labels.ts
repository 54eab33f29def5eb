// The labels cilo puts on the Docker objects it creates: labels, not names, are the truth for what cilo made
// (docs/DESIGN.md §10). cilo.home is a hash of CILO_HOME: Docker is shared by every home on the machine.
import { homeId } from '../state/paths.js';

export const LABEL_MANAGED = 'cilo.managed';
export const LABEL_ENV = 'cilo.env';
export const LABEL_PROJECT = 'cilo.project';
export const LABEL_SHARED = 'cilo.shared';
export const LABEL_HOME = 'cilo.home';
/** A container `cilo fork` copies volumes through (never started, removed when the copy ends). */
export const LABEL_FORK_HELPER = 'cilo.fork-helper';

/** Labels of the networks cilo creates for an environment. */
export function networkLabels(home: string, env: { name: string; project: string }): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_ENV]: env.name, [LABEL_PROJECT]: env.project, [LABEL_HOME]: homeId(home) };
}
