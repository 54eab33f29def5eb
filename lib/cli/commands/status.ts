import type { Context } from '../../context.js';
import { engineStatuses } from '../../core/engines.js';
import { loadEnvironment } from '../../core/environment/load.js';
import { engineOf } from '../../state/schema.js';
import { environmentView, type EnvironmentView } from '../views.js';
import { table, type Output } from '../output.js';

export function printServices(v: EnvironmentView, out: Output): void {
  out.out(`${out.paint.bold(v.key)}  ${v.status}  network ${v.network} ${v.subnet}  source ${v.source}\n`);
  out.out(
    `engine ${v.engine}${v.engine_status === 'ok' ? '' : ` (${v.engine_status.toUpperCase()}: shown as last recorded)`}; names resolve in its containers${v.names_resolve.on_host ? ' and on this host' : ", not on this host (its engine is not this machine's)"}\n`,
  );
  if (v.publishes)
    out.out(
      `publishes ${v.publishes.network} (${v.publishes.subnet}, ${v.publishes.scope})${v.publishes.used_by.length ? `, used by ${v.publishes.used_by.join(', ')}` : ''}\n`,
    );
  for (const n of v.networks.filter((x) => x.key !== 'default')) out.out(`network ${n.key}: ${n.name} ${n.subnet}\n`);
  for (const vol of v.volumes) out.out(`volume ${vol.key}: ${vol.name} (named ${vol.pinned} in the files)\n`);
  for (const n of v.shared_networks)
    out.out(`joins ${n.name}${n.broken ? ' (BROKEN: its publisher was destroyed)' : ''}\n`);
  const rows = v.services.map((s) => [
    s.name,
    s.dns_name,
    s.addresses.join(',') || s.ip || '-',
    s.shared_addresses.join(',') || s.shared_ip || '-',
    s.addresses.length > 0 ? `running (${s.addresses.length})` : 'stopped',
  ]);
  out.out(table(['SERVICE', 'DNS NAME', 'ADDRESS', 'SHARED ADDRESS', 'STATE'], rows, out.paint.bold));
}

export async function run(o: { name: string; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const { key, record, state } = loadEnvironment(ctx, o.name);
  const view = environmentView(state, key, record, await engineStatuses(ctx, state, [engineOf(state, key)!]));
  if (o.json) return out.json(view);
  printServices(view, out);
}
