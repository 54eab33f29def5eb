import type { Context } from '../../context.js';
import { statusReport } from '../../views/reports.js';
import type { EnvironmentView, ServiceView } from '../../views/views.js';
import { table, type Output } from '../output.js';

const onHost = (v: EnvironmentView, hostDns: boolean) =>
  v.names_resolve.on_host
    ? ' and on this host'
    : v.engine !== 'local' && v.access !== 'published'
      ? ", not on this host (its engine is not this machine's)"
      : !hostDns
        ? ', not on this host (host DNS is off: CILO_DNS=off)'
        : ", not on this host (cilo's DNS server does not answer: see 'cilo dns status')";

/** An environment as `status` and `up` print it; `hostDns`: whether cilo serves names on this host (CILO_DNS). */
export function printServices(v: EnvironmentView, out: Output, hostDns: boolean): void {
  out.out(`${out.paint.bold(v.key)}  ${v.status}  network ${v.network} ${v.subnet}  source ${v.source}\n`);
  out.out(
    `engine ${v.engine}${v.engine_status === 'ok' ? '' : ` (${v.engine_status.toUpperCase()}: shown as last recorded)`}; names resolve in its containers${onHost(v, hostDns)}\n`,
  );
  if (v.publishes)
    out.out(
      `publishes ${v.publishes.network} (${v.publishes.subnet}, ${v.publishes.scope})${v.publishes.used_by.length ? `, used by ${v.publishes.used_by.join(', ')}` : ''}\n`,
    );
  for (const n of v.networks.filter((x) => x.key !== 'default')) out.out(`network ${n.key}: ${n.name} ${n.subnet}\n`);
  for (const vol of v.volumes) out.out(`volume ${vol.key}: ${vol.name} (named ${vol.pinned} in the files)\n`);
  for (const n of v.shared_networks)
    out.out(`joins ${n.name}${n.broken ? ' (BROKEN: its publisher was destroyed)' : ''}\n`);
  out.out(
    v.access !== 'published'
      ? 'access routed: each service at its address from this host\n'
      : v.ports_on === 'this host'
        ? 'access published: each port on this host (PORTS), names through the router (URL)\n'
        : `access published: each port on the loopback of ${v.ports_on}, the engine's machine, not on this host: reach them there, or forward them (ssh -L)\n`,
  );
  if (v.forwards)
    out.out(
      v.forwards === 'up'
        ? 'forwarded: its ports and the router answer here through ssh (up)\n'
        : "forwarded: the ssh connection is DOWN (being restored; 'cilo doctor --fix' starts it again)\n",
    );
  const rows = v.services.map((s) => [
    s.name,
    s.dns_name,
    s.addresses.join(',') || s.ip || '-',
    s.shared_addresses.join(',') || s.shared_ip || '-',
    portsText(s, v.access) || '-',
    s.url ?? '-',
    s.addresses.length > 0 ? `running (${s.addresses.length})` : 'stopped',
  ]);
  out.out(table(['SERVICE', 'DNS NAME', 'ADDRESS', 'SHARED ADDRESS', 'PORTS', 'URL', 'STATE'], rows, out.paint.bold));
}

/** `5432/tcp → 127.0.0.1:24017` for each published port (a scaled service: its range); the port alone when routed. */
function portsText(s: ServiceView, access: EnvironmentView['access']): string {
  return s.ports
    .map((p) => {
      const at = p.host_ports.length > 1 ? `${p.host_ports[0]}-${p.host_ports.at(-1)}` : String(p.host_port);
      return access === 'published' && p.host_port !== null
        ? `${p.target}/${p.protocol} → ${p.host_ip}:${at}`
        : `${p.target}/${p.protocol}`;
    })
    .join(', ');
}

export async function run(o: { name: string; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const view = await statusReport(ctx, o.name);
  if (o.json) return out.json(view);
  printServices(view, out, ctx.settings.dns.enabled);
}
