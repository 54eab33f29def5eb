import type { Context } from '../../env/context.js';
import { upEnvironment } from '../../env/lifecycle.js';
import { environmentView } from '../../env/views.js';
import { envKey } from '../../state/schema.js';
import { readState } from '../../state/store.js';
import type { Output } from '../output.js';
import { printServices } from './status.js';

export async function run(o: { name: string; createShared: boolean; composeArgs: string[]; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const env = await upEnvironment(ctx, o);
  const view = environmentView(readState(ctx.home), envKey(env.project, env.name), env);
  if (o.json) return out.json(view);
  printServices(view, out);
}
