// Which binaries cilo runs. `docker compose`: the docker CLI on PATH and the Compose plugin it finds (the
// docker CLI's own search: the user's cli-plugins directory, then the system ones); their identity (path,
// inode, size, modification time) keys what Compose says about itself. The system's programs that an
// ordinary user's PATH leaves out (Debian's dnsmasq is in /usr/sbin): found where the system keeps them.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { dockerConfigDir } from './engines.js';

/** Where the docker CLI looks for plugins after the user's own directory (Linux). */
const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

function identity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? `${path}:${s.ino}:${s.size}:${s.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/** Where systems keep programs that a user's PATH may not name: sbin directories, Homebrew's prefixes. */
const SYSTEM_PROGRAM_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/opt/homebrew/bin', '/opt/homebrew/sbin'];

/** The program `name` on PATH, else where the system keeps it; `name` itself when it is nowhere. */
export function programPath(name: string, env: NodeJS.ProcessEnv): string {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_PROGRAM_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not there, or not ours to run
    }
  }
  return name; // spawning it says it was not found, with the way to install it
}

/** The docker CLI's configured extra plugin directories, if any (then the search is not only ours to know). */
function extraPluginDirs(configDir: string): boolean {
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as {
      cliPluginsExtraDirs?: unknown;
    };
    return Array.isArray(config.cliPluginsExtraDirs) && config.cliPluginsExtraDirs.length > 0;
  } catch {
    return false;
  }
}

/**
 * The identity of `docker` on PATH and of the docker-compose plugin it would run; undefined when either
 * cannot be told for sure (no docker on PATH, extra plugin directories configured, no plugin where we look).
 */
export function composeIdentity(env: NodeJS.ProcessEnv, userHome: string): string | undefined {
  const docker = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d) => identity(join(d, 'docker')))
    .find(Boolean);
  const configDir = dockerConfigDir(env, userHome);
  if (!docker || extraPluginDirs(configDir)) return undefined;
  const plugin = [join(configDir, 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS]
    .map((d) => identity(join(d, 'docker-compose')))
    .find(Boolean);
  return plugin && `${docker}|${plugin}`;
}
