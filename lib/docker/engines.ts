// Which Docker engine a command talks to (docs/DESIGN.md §2, "Engine"): the one `docker` would use — a
// `cilo --context` flag, DOCKER_HOST, DOCKER_CONTEXT, the current context of the docker CLI's config — and
// how to point every later `docker` call at an engine again, whatever the environment says then.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The engine `docker` uses when neither DOCKER_HOST nor DOCKER_CONTEXT is set: this machine's. */
export const LOCAL_ENGINE = 'local';
const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';

/** How `docker` is pointed at an engine: a host, or a context. */
export interface Endpoint {
  docker_host?: string;
  context?: string;
}

export interface Engine {
  /** Its name in state (`hosts.<name>`): `local`, a context's name, or the DOCKER_HOST it was reached by. */
  name: string;
  endpoint: Endpoint;
}

/** The docker CLI's configuration directory: $DOCKER_CONFIG, else ~/.docker (config.json, contexts, plugins). */
export function dockerConfigDir(env: NodeJS.ProcessEnv, userHome: string): string {
  return env.DOCKER_CONFIG || join(userHome, '.docker');
}

/** The docker CLI's current context (`currentContext` of its config.json), if one is set. */
export function currentContext(env: NodeJS.ProcessEnv, userHome: string): string | undefined {
  try {
    const config = JSON.parse(readFileSync(join(dockerConfigDir(env, userHome), 'config.json'), 'utf8')) as {
      currentContext?: string;
    };
    return config.currentContext || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The engine `docker` would use with this environment and `flag` (cilo's --context). `local` is the one it
 * uses with neither variable set — the configured current context, or the default socket — so a user whose
 * current context is Docker Desktop's still has a local engine.
 */
export function engineFrom(
  env: NodeJS.ProcessEnv,
  flag: string | undefined,
  current: () => string | undefined,
): Engine {
  if (flag === undefined && env.DOCKER_HOST && env.DOCKER_HOST !== DEFAULT_SOCKET)
    return { name: env.DOCKER_HOST, endpoint: { docker_host: env.DOCKER_HOST } };
  const configured = current() ?? 'default';
  const context = flag ?? (env.DOCKER_HOST ? 'default' : env.DOCKER_CONTEXT || configured);
  return { name: context === configured ? LOCAL_ENGINE : context, endpoint: { context } };
}

/** The environment that points `docker` at `endpoint`, whatever DOCKER_HOST or DOCKER_CONTEXT said. */
export function envFor(env: NodeJS.ProcessEnv, endpoint: Endpoint): NodeJS.ProcessEnv {
  const { DOCKER_HOST: _h, DOCKER_CONTEXT: _c, ...rest } = env;
  return endpoint.docker_host
    ? { ...rest, DOCKER_HOST: endpoint.docker_host }
    : { ...rest, DOCKER_CONTEXT: endpoint.context ?? 'default' };
}

/** Where an engine reached over ssh is: what `ssh` is given (`[user@]host`, and a port when the URL has one). */
export interface SshTarget {
  destination: string;
  port?: number;
}

/**
 * The ssh target of an endpoint URL (`ssh://[user@]host[:port]`), undefined for any other. A destination
 * that could read as an ssh option, or holds a character no host name has, is refused.
 */
export function sshTarget(url: string | undefined): SshTarget | undefined {
  const m = /^ssh:\/\/(?:([^@/]+)@)?([^:/]+)(?::(\d+))?\/?$/.exec(url ?? '');
  if (!m) return undefined;
  const [, user, host, port] = m;
  const destination = user ? `${user}@${host}` : host!;
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@-]*$/.test(destination)) return undefined;
  return port ? { destination, port: Number(port) } : { destination };
}

/** The host of a tcp:// or ssh:// endpoint URL: where an engine elsewhere publishes its ports. */
export function endpointMachine(url: string | undefined): string | undefined {
  return /^(?:tcp|ssh):\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)/.exec(url ?? '')?.[1];
}

/**
 * Whether the host ports an engine publishes answer on this machine: a local socket's (its loopback is
 * ours), or an engine over ssh (cilo forwards them, core/forward). Not a tcp:// engine's: they are there.
 */
export const portsHere = (dockerHost: string | undefined): boolean => /^(unix|ssh):\/\//.test(dockerHost ?? '');

/** How a user would point `docker` there: for messages. */
export function describeEndpoint(e: Endpoint): string {
  return e.docker_host ? `DOCKER_HOST=${e.docker_host}` : `context ${e.context ?? 'default'}`;
}
