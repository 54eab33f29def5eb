// Caddy's admin API, on a unix socket inside the router container (ADMIN_SOCKET, plan/router-config.ts),
// reached only through the engine, which only the user may use (docs/DESIGN.md §13): a configuration is
// loaded whole by `caddy reload` run in the container (a graceful reload: requests in flight finish on the
// old one), and the one it runs is read back from Caddy's autosave (docs/TEST-RIG.md, "Caddy as the router").
import type { Docker } from '../../docker/docker.js';
import { ADMIN_SOCKET } from '../plan/router-config.js';

/** Thrown when the router does not take what it is given, or cannot be asked. */
export class AdminError extends Error {}

/** The last configuration the router loaded (Caddy saves each one), read out of the container. */
export async function currentConfig(docker: Docker, container: string): Promise<unknown> {
  // `docker cp` works with an image holding Caddy alone (no shell, no cat): the file comes as a tar stream.
  const r = await docker.run(['cp', `${container}:/config/caddy/autosave.json`, '-']);
  if (r.code !== 0) throw new AdminError(`reading the router's configuration failed: ${r.stderr.trim()}`);
  const start = r.stdout.indexOf('{');
  const end = r.stdout.lastIndexOf('}');
  if (start < 0 || end < start) throw new AdminError("the router's saved configuration is empty");
  return JSON.parse(r.stdout.slice(start, end + 1)) as unknown;
}

/** Loads `config` whole; retried while a router that just started has no admin socket yet (`waitMs`). */
export async function loadConfig(docker: Docker, container: string, config: unknown, waitMs = 0): Promise<void> {
  const deadline = Date.now() + waitMs;
  const args = [
    'exec',
    '-i',
    container,
    'caddy',
    'reload',
    '--config',
    '/dev/stdin',
    '--address',
    `unix/${ADMIN_SOCKET}`,
  ];
  for (;;) {
    const r = await docker.run(args, { input: JSON.stringify(config) });
    if (r.code === 0) return;
    const why = r.stderr.trim().split('\n').pop() ?? '';
    if (Date.now() >= deadline || !/no such file|connection refused|is not running|dial unix/i.test(r.stderr))
      throw new AdminError(`loading the router's configuration failed: ${why}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
