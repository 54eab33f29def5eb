// `cilo plugin install / uninstall`: the Docker CLI plugin docker-cilo (bin/docker-cilo) linked into
// Docker's plugin directory, so `docker cilo <command>` runs `cilo <command>` (docs/DESIGN.md §4).
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors/index.js';
import { dockerConfigDir } from '../docker/engines.js';
import type { Context } from '../context.js';

/** Where the Docker CLI looks for the user's plugins: $DOCKER_CONFIG/cli-plugins, else ~/.docker/cli-plugins. */
export function pluginPath(ctx: Pick<Context, 'processEnv' | 'host'>): string {
  return join(dockerConfigDir(ctx.processEnv, ctx.host.userHome), 'cli-plugins', 'docker-cilo');
}

function linkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : '';
  } catch {
    return undefined;
  }
}

/** Links `source` there; a link of an earlier cilo is replaced, anything else there is left and refused. */
export function installPlugin(ctx: Pick<Context, 'processEnv' | 'host'>, source: string): string {
  const path = pluginPath(ctx);
  const current = linkTarget(path);
  if (current === source) return path;
  if (current === '' || (current !== undefined && !current.endsWith('/docker-cilo')))
    throw new UserError(`${path} exists and is not cilo's`, 'remove it yourself if it is unused, then install again');
  mkdirSync(join(path, '..'), { recursive: true });
  if (current !== undefined) rmSync(path);
  symlinkSync(source, path);
  return path;
}

/** Removes the link if it is cilo's; says whether there was one. */
export function uninstallPlugin(ctx: Pick<Context, 'processEnv' | 'host'>): { path: string; removed: boolean } {
  const path = pluginPath(ctx);
  const current = linkTarget(path);
  if (current === undefined) return { path, removed: false };
  if (!current.endsWith('/docker-cilo')) throw new UserError(`${path} is not cilo's link`, 'it was left as it is');
  rmSync(path);
  return { path, removed: true };
}
