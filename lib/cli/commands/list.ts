import type { Context } from '../../context.js';
import { environmentViews } from '../views.js';
import { table, type Output } from '../output.js';

export async function run(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const views = environmentViews(ctx.store.read());
  if (o.json) return out.json({ environments: views });
  if (views.length === 0) return out.err('no environments; create one: cilo create <name> --from <dir>\n');
  const rows = views.map((v) => [
    v.name,
    v.project,
    v.status,
    v.subnet,
    String(v.services.length),
    [v.publishes ? `publishes ${v.publishes.network}` : '', ...v.shared_networks.map((n) => (n.broken ? `${n.name} (BROKEN)` : n.name))].filter(Boolean).join(', ') || '-',
    v.source,
  ]);
  out.out(table(['NAME', 'PROJECT', 'STATUS', 'SUBNET', 'SERVICES', 'SHARED', 'SOURCE'], rows, out.paint.bold));
}
