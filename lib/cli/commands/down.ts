import type { Context } from '../../context.js';
import { downEnvironment } from '../../core/environment/lifecycle.js';
import { environmentView } from '../../views/views.js';
import type { Output } from '../output.js';

export async function run(o: { name: string; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const { key, record, state } = await downEnvironment(ctx, o.name);
  if (o.json) return out.json(environmentView(state, key, record));
  out.err(`stopped ${key} (networks, addresses and references kept; 'cilo destroy ${record.name}' removes them)\n`);
}
