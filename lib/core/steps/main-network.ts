// Containers whose main network is gone. A network removed with --force (a publisher's `destroy --force`)
// leaves each container it was the main network of naming it still; engine 28 then refuses to connect that
// container to any network, and Compose 2.26, which keeps the container, fails the next `up` (Compose 2.40
// recreates it). cilo has Compose create such containers again before the command (docs/DESIGN.md §6).
import { UserError } from '../../errors/index.js';
import { composeArgs, type ProjectSelector } from '../../compose/command.js';
import { COMPOSE_ONEOFF_LABEL, COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from '../../docker/objects.js';
import type { Context } from '../../context.js';

/** The services of the project whose containers lost their main network (one-off containers aside). */
export async function servicesWithoutMainNetwork(ctx: Context, project: string): Promise<string[]> {
  const containers = await ctx.docker.listContainers([`${COMPOSE_PROJECT_LABEL}=${project}`]);
  const lost = containers.filter((c) => c.lostMainNetwork && c.labels[COMPOSE_ONEOFF_LABEL] !== 'True');
  return [...new Set(lost.map((c) => c.labels[COMPOSE_SERVICE_LABEL] ?? ''))].filter(Boolean).sort();
}

/**
 * Has Compose create again (not start) the containers of `project` that lost their main network, with the
 * environment's override; their anonymous volumes go over to the new containers as in any recreate.
 */
export async function recreateWithoutMainNetwork(
  ctx: Context,
  selector: ProjectSelector,
  override: string,
): Promise<string[]> {
  const services = await servicesWithoutMainNetwork(ctx, selector.name);
  if (services.length === 0) return services;
  ctx.log.warn(
    `the main network of ${services.join(', ')} in ${selector.name} is gone (removed with --force): Compose creates ${services.length === 1 ? 'its container' : 'their containers'} again`,
  );
  const args = composeArgs(selector, {
    override,
    subcommand: 'up',
    args: ['--no-start', '--force-recreate', '--no-deps', ...services],
  });
  const r = await ctx.docker.compose(args, { cwd: ctx.cwd });
  if (r.code !== 0)
    throw new UserError(
      `creating the containers of ${services.join(', ')} in ${selector.name} again failed: ${r.stderr.trim()}`,
      `remove them ('docker rm -f' the containers of those services) and run the command again`,
    );
  return services;
}
