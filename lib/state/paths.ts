import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/** `$CILO_HOME`, default `~/.cilo`. The entry points call this once and pass `home` down. */
export function resolveHome(env: NodeJS.ProcessEnv, userHome: string): string {
  return env.CILO_HOME && env.CILO_HOME.length > 0 ? env.CILO_HOME : join(userHome, '.cilo');
}

export const stateFile = (home: string) => join(home, 'state.json');
export const stateLockFile = (home: string) => join(home, 'state.lock');
/**
 * One lock per network name: parallel `docker network create X` calls can produce several networks named X
 * (engine 20.10), while creating networks of different names at once is safe. Named by a hash: a name from
 * the compose files never becomes a path.
 */
export const networkLockFile = (home: string, network: string) =>
  join(home, 'locks', `network-${createHash('sha256').update(network).digest('hex').slice(0, 24)}.lock`);
export const envDir = (home: string, name: string) => join(home, 'envs', name);
export const overrideFile = (home: string, name: string) => join(home, 'envs', name, 'override.yml');
export const dnsDir = (home: string) => join(home, 'dns');

/**
 * A short identity of a CILO_HOME, put on every Docker object cilo creates (label cilo.home): Docker is
 * shared by every CILO_HOME on the machine, and `doctor` must never take another home's objects for orphans.
 */
export function homeId(home: string): string {
  return createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12);
}
