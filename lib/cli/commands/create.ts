import type { Context } from '../../context.js';
import { createEnvironment } from '../../core/service.js';
import { outcomeReport } from '../../views/reports.js';
import type { Output } from '../output.js';

export async function run(
  o: {
    name: string;
    from?: string;
    worktree?: string;
    project?: string;
    sharedNetworks: string[];
    adopt: boolean;
    keep: boolean;
    json: boolean;
  },
  ctx: Context,
  out: Output,
): Promise<void> {
  const created = await createEnvironment(ctx, o);
  const { key, record } = created;
  if (o.json) return out.json(await outcomeReport(ctx, created));
  const joins = record.shared_networks.length ? `, joins ${record.shared_networks.join(', ')}` : '';
  const worktree = record.worktree ? `\nworktree of branch ${record.worktree.branch}: ${record.worktree.path}` : '';
  const adopted = record.adopted_volumes?.length
    ? `\nadopted volumes (kept by destroy): ${record.adopted_volumes.join(', ')}`
    : '';
  out.err(
    `created ${key} from ${record.source} (subnet ${record.subnet}${joins})${worktree}${adopted}\nstart it: cilo up ${record.name}\n`,
  );
}
