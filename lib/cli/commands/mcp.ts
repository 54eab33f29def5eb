import type { Context } from '../../context.js';
import { InterruptedError, interruption } from '../../docker/interruption.js';
import { UsageError } from '../../errors/index.js';
import { serveMcp } from '../../mcp/server.js';
import { validateName } from '../../state/names.js';
import type { Output } from '../output.js';
import { packageInfo } from '../package.js';

/** `cilo mcp`: serves until the client closes stdin or a signal comes; logs go to stderr, the protocol has stdout. */
export async function run(o: { allowDestructive: boolean; scope?: string }, ctx: Context, out: Output): Promise<void> {
  if (!out.stdio) throw new UsageError('cilo mcp speaks on stdin and stdout: run it as an MCP client command');
  if (o.scope !== undefined) validateName(`${o.scope}x`, 'environment name');
  const what = `${o.scope ? `environments ${o.scope}*` : 'every environment'}${o.allowDestructive ? '' : ', without destroy and gc'}`;
  out.err(`cilo mcp: serving the Model Context Protocol on stdio (home ${ctx.home}; ${what})\n`);
  await serveMcp(ctx, out.stdio, packageInfo().version, { allowDestructive: o.allowDestructive, prefix: o.scope });
  const signal = interruption();
  if (signal) throw new InterruptedError(signal, 'every call it had received was answered first');
}
