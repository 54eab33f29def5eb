import type { Context } from '../../context.js';
import { upEnvironment } from '../../core/service.js';
import { outcomeReport } from '../../views/reports.js';
import type { Output } from '../output.js';
import { printServices } from './status.js';

export async function run(
  o: { name: string; createShared: boolean; sharedScope?: 'local' | 'swarm'; composeArgs: string[]; json: boolean },
  ctx: Context,
  out: Output,
): Promise<void> {
  const view = await outcomeReport(ctx, await upEnvironment(ctx, o));
  if (o.json) return out.json(view);
  printServices(view, out, ctx.settings.dns.enabled);
}
