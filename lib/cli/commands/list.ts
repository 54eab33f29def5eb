import type { Context } from '../../context.js';
import { engineStatuses } from '../../core/engines.js';
import { environmentViews, type EnvironmentView } from '../views.js';
import { table, type Output } from '../output.js';

const engineColumn = (v: EnvironmentView) =>
  v.engine_status === 'ok' ? v.engine : `${v.engine} (${v.engine_status.toUpperCase()})`;

export async function run(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const state = ctx.store.read();
  const views = environmentViews(state, await engineStatuses(ctx, state));
  if (o.json) return out.json({ environments: views });
  if (views.length === 0) return out.err('no environments; create one: cilo create <name> --from <dir>\n');
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
  ]);
  out.out(
    table(
      ['NAME', 'PROJECT', 'ENGINE', 'ACCESS', 'STATUS', 'SUBNET', 'SERVICES', 'SHARED', 'SOURCE'],
      rows,
      out.paint.bold,
    ),
  );
}
