import type { Context } from '../../env/context.js';
import { downEnvironment } from '../../env/lifecycle.js';
import { environmentView } from '../../env/views.js';
import { envKey } from '../../state/schema.js';
import { readState } from '../../state/store.js';
import type { Output } from '../output.js';

export async function run(o: { name: string; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const env = await downEnvironment(ctx, o.name);
  if (o.json) return out.json(environmentView(readState(ctx.home), envKey(env.project, env.name), env));
  out.err(`stopped ${envKey(env.project, env.name)} (networks, addresses and references kept; 'cilo destroy ${env.name}' removes them)\n`);
}
