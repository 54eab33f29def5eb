import type { Context } from '../../env/context.js';
import { createEnvironment } from '../../env/lifecycle.js';
import { environmentView } from '../../env/views.js';
import { envKey } from '../../state/schema.js';
import { readState } from '../../state/store.js';
import type { Output } from '../output.js';

export async function run(o: { name: string; from: string; project?: string; sharedNetworks: string[]; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const env = await createEnvironment(ctx, o);
  const key = envKey(env.project, env.name);
  if (o.json) return out.json(environmentView(readState(ctx.home), key, env));
  out.err(`created ${key} from ${env.source} (subnet ${env.subnet}${env.shared_networks.length ? `, joins ${env.shared_networks.join(', ')}` : ''})\nstart it: cilo up ${env.name}\n`);
}
