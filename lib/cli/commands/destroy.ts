import type { Context } from '../../context.js';
import { destroyEnvironment } from '../../core/environment/destroy.js';
import type { Output } from '../output.js';

export async function run(
  o: { name: string; force: boolean; json: boolean },
  ctx: Context,
  out: Output,
): Promise<void> {
  const report = await destroyEnvironment(ctx, o.name, o.force);
  if (o.json) return out.json({ destroyed: report.key, broken_consumers: report.brokeConsumers });
  out.err(`destroyed ${report.key}\n`);
}
