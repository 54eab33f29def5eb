import type { Context } from '../../context.js';
import { listReport } from '../../views/reports.js';
import type { EnvironmentView } from '../../views/views.js';
import { table, type Output } from '../output.js';

const engineColumn = (v: EnvironmentView) =>
  v.engine_status === 'ok' ? v.engine : `${v.engine} (${v.engine_status.toUpperCase()})`;

export async function run(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const report = await listReport(ctx);
  if (o.json) return out.json(report);
  const views = report.environments;
  if (views.length === 0) return out.err('no environments; create one: cilo create <name> --from <dir>\n');
  // The branch column, when an environment has a worktree (cilo create --worktree).
  const branches = views.some((v) => v.worktree);
  const rows = views.map((v) => [
    v.name,
    v.project,
    engineColumn(v),
    v.access,
    v.status,
    v.subnet,
    String(v.services.length),
    [
      v.publishes ? `publishes ${v.publishes.network}${v.publishes.scope === 'swarm' ? ' (swarm)' : ''}` : '',
      ...v.shared_networks.map((n) => (n.broken ? `${n.name} (BROKEN)` : n.name)),
    ]
      .filter(Boolean)
      .join(', ') || '-',
    v.source,
    ...(branches ? [v.worktree?.branch ?? '-'] : []),
  ]);
  out.out(
    table(
      [
        ...['NAME', 'PROJECT', 'ENGINE', 'ACCESS', 'STATUS', 'SUBNET', 'SERVICES', 'SHARED', 'SOURCE'],
        ...(branches ? ['BRANCH'] : []),
      ],
      rows,
      out.paint.bold,
    ),
  );
}
