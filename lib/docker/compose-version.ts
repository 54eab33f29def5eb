// Which Compose answers `docker compose`: its version, asked once per Compose binary (the cache is keyed by
// the binaries' identity, binaries.ts); older than 2.24 is an error: cilo needs its `!reset` merge tag.
import { UserError } from '../errors/index.js';
import { MIN_COMPOSE, parseComposeVersion, versionAtLeast } from './objects.js';
import type { RunResult } from './process.js';

/**
 * Where Compose's answer about itself is kept between commands (context.ts gives one backed by
 * $CILO_HOME/cache): under `key()`, the identity of the binaries that answer (binaries.ts), or not at all.
 */
export interface ComposeVersionCache {
  key(): string | undefined;
  read(key: string): string | undefined;
  write(key: string, version: string): void;
}

/** Compose's version, from the cache or from `docker compose version --short` (run by `run`). */
export async function askComposeVersion(
  run: (args: readonly string[]) => Promise<RunResult>,
  versions?: ComposeVersionCache,
): Promise<string> {
  const key = versions?.key();
  const known = key !== undefined ? versions!.read(key) : undefined;
  if (known !== undefined) return known;
  const r = await run(['compose', 'version', '--short']);
  const v = parseComposeVersion(r.stdout);
  if (r.code !== 0 || !v)
    throw new UserError(
      `Docker Compose v2 is not available ('docker compose version' ${r.code !== 0 ? `failed: ${r.stderr.trim().split('\n')[0] ?? ''}` : `printed ${JSON.stringify(r.stdout.trim())}`})`,
      'install the Compose v2 plugin, 2.24 or newer (on Debian as root: scripts/setup-host.sh)',
    );
  if (!versionAtLeast(v, MIN_COMPOSE))
    throw new UserError(
      `Docker Compose ${v.join('.')} is too old: cilo needs 2.24 or newer (for the '!reset' merge tag that removes published ports)`,
      'upgrade the Compose plugin: https://docs.docker.com/compose/install/',
    );
  if (key !== undefined) versions!.write(key, v.join('.'));
  return v.join('.');
}
