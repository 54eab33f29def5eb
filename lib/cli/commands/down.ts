import type { Context } from '../../context.js';
import { downEnvironment } from '../../core/service.js';
import { outcomeReport } from '../../views/reports.js';
import type { Output } from '../output.js';

export async function run(o: { name: string; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const stopped = await downEnvironment(ctx, o.name);
  const { key, record } = stopped;
  if (o.json) return out.json(await outcomeReport(ctx, stopped));
  out.err(`stopped ${key} (networks, addresses and references kept; 'cilo destroy ${record.name}' removes them)\n`);
}
