import type { Context } from '../../context.js';
import { destroyEnvironment } from '../../core/service.js';
import { destroyView } from '../../views/reports.js';
import type { Output } from '../output.js';

export async function run(
  o: { name: string; force: boolean; keepWorktree: boolean; json: boolean },
  ctx: Context,
  out: Output,
): Promise<void> {
  const report = await destroyEnvironment(ctx, o.name, o);
  if (o.json) return out.json(destroyView(report));
  out.err(
    `destroyed ${report.key}${report.worktreeRemoved ? ` and its worktree ${report.worktreeRemoved} (the branch stays)` : ''}\n`,
  );
}
