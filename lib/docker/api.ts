// The engine's own API over a local Unix socket: the transport of every question and change cilo makes on an
// engine it reaches that way (writes.ts says which). Each is one HTTP request (a few ms); the docker
// CLI would be a Go process of its own (~60-100 ms, seconds under load), and its errors only text. Any other
// endpoint (tcp, ssh, a context cilo cannot read) is left to the docker CLI (docker.ts), which knows them all.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentContext, dockerConfigDir } from './engines.js';
import { checkInterrupted } from './interruption.js';
import type { ApiRequest } from './writes.js';

/** What asking the engine's API needs: where the docker CLI's configuration is (contexts). */
export interface EngineApi {
  /** `GET path` of the engine's API; undefined when the engine is not reached through a local socket (ask the CLI). */
  get(env: NodeJS.ProcessEnv, path: string, timeoutMs?: number): Promise<unknown>;
  /** Makes a change (`method path` with its JSON body); its answer, if any. Only for an engine on a local socket. */
  send(env: NodeJS.ProcessEnv, request: ApiRequest): Promise<unknown>;
  /** The local socket this environment reaches the engine through, if it is one. */
  socket(env: NodeJS.ProcessEnv): string | undefined;
}

/** The failure of a request to the socket: the engine does not answer there. */
export class SocketError extends Error {}

/**
 * The engine answered, with an error: its status code, its own message (the body's `message` field) and,
 * from Podman, its `cause` (which refusal it is: writes.ts).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly engineMessage = message,
    readonly podmanCause?: string,
  ) {
    super(message);
  }
}

/** An answer's error as the engine words it: its JSON `{"message": ..., "cause": ...}`, else the body as it is. */
function apiError(status: number, path: string, body: string): ApiError {
  let parsed: { message?: string; cause?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // not JSON: the body as it is
  }
  const message = parsed.message ?? body.trim();
  return new ApiError(status, `${path} answered ${status}: ${message}`, message, parsed.cause);
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The docker endpoint a context names (`contexts/meta/<sha256 of its name>/meta.json`). */
function contextHost(configDir: string, name: string): string | undefined {
  try {
    const id = createHash('sha256').update(name).digest('hex');
    const meta = JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    return meta.Endpoints?.docker?.Host;
  } catch {
    return undefined;
  }
}

/** The endpoint `docker` would talk to with this environment (the docker CLI's rules): unix://, ssh://, tcp://… */
export function endpointUrl(env: NodeJS.ProcessEnv, userHome: string): string | undefined {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  const context = env.DOCKER_CONTEXT || currentContext(env, userHome) || 'default';
  return context === 'default' ? `unix://${DEFAULT_SOCKET}` : contextHost(dockerConfigDir(env, userHome), context);
}

/** The Unix socket `docker` would talk to with this environment, if it is one. */
export function socketOf(env: NodeJS.ProcessEnv, userHome: string): string | undefined {
  const host = endpointUrl(env, userHome);
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** The docker CLI's own words for a socket that does not answer, and the reason in plain terms. */
function describe(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return 'no such socket: is the docker daemon running?';
  if (e.code === 'ECONNREFUSED') return 'connection refused: is the docker daemon running?';
  if (e.code === 'EACCES') return 'permission denied: is this user allowed to use Docker?';
  return e.code ?? e.message;
}

async function call(
  socketPath: string,
  r: ApiRequest | { method: 'GET'; path: string },
  timeoutMs?: number,
): Promise<unknown> {
  checkInterrupted();
  const { path } = r;
  const body = 'body' in r && r.body ? JSON.stringify(r.body) : undefined;
  const headers = { Host: 'docker', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  // Loaded when an engine is asked (node:http costs ~10 ms to load), not with every command.
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    // `agent: false`: Node's global agent drops a socket idle for 5 s, which turned a busy engine's slow
    // answer into "no answer" under 60 parallel `up`s; without `timeoutMs` we wait as the docker CLI does.
    const options = { socketPath, path, method: r.method, timeout: timeoutMs, agent: false, headers };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new SocketError(e.message)));
      res.on('end', () => {
        const answer = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        // 304: the change was made already (a container started twice).
        if ((status < 200 || status > 299) && status !== 304) return reject(apiError(status, path, answer));
        // A change answers nothing (204), "OK" (Podman) or JSON (a created object's ID).
        if (r.method !== 'GET' && !answer.startsWith('{')) return resolve(undefined);
        try {
          resolve(JSON.parse(answer));
        } catch {
          reject(new SocketError(`${path} did not answer JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new SocketError(`no answer within ${(timeoutMs ?? 0) / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e instanceof SocketError
          ? e
          : new SocketError(`Cannot connect to the Docker daemon at unix://${socketPath} (${describe(e)})`),
      ),
    );
    req.end(body);
  });
}

/** The API of engines on local Unix sockets; `userHome`: where the docker CLI's contexts are. */
export function socketApi(userHome: string): EngineApi {
  return {
    async get(env, path, timeoutMs) {
      const socket = socketOf(env, userHome);
      return socket === undefined ? undefined : call(socket, { method: 'GET', path }, timeoutMs);
    },
    async send(env, request) {
      const socket = socketOf(env, userHome);
      if (socket === undefined) throw new SocketError('not an engine on a local socket');
      return call(socket, request);
    },
    socket: (env) => socketOf(env, userHome),
  };
}
