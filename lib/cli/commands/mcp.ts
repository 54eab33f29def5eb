import type { Context } from '../../context.js';
import { UsageError } from '../../errors/index.js';
import { serveMcp } from '../../mcp/server.js';
import type { Output } from '../output.js';
import { packageInfo } from '../package.js';

/** `cilo mcp`: serves until the client closes stdin; logs go to stderr, the protocol has stdout. */
export async function run(ctx: Context, out: Output): Promise<void> {
  if (!out.stdio) throw new UsageError('cilo mcp speaks on stdin and stdout: run it as an MCP client command');
  out.err(`cilo mcp: serving the Model Context Protocol on stdio (home ${ctx.home})\n`);
  await serveMcp(ctx, out.stdio, packageInfo().version);
}
