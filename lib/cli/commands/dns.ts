import type { Context } from '../../context.js';

import { dnsPort, dnsStatus, startDnsServer, stopDnsServer } from '../../dns/server.js';
import { recordsByEnvironment } from '../../dns/records.js';
import { renderHostsFile } from '../../dns/hostsdir.js';
import { asRoot, refuseUnderSudo, hostResolverDrift, hostResolverPlan, resolverDriftText } from '../../core/service.js';
import type { Output } from '../output.js';

export async function start(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const s = await startDnsServer(ctx);
  if (o.json) out.json(s);
}

export async function stop(ctx: Context, out: Output): Promise<void> {
  out.err((await stopDnsServer(ctx)) ? 'DNS server stopped\n' : 'DNS server was not running\n');
}

export async function status(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const s = await dnsStatus(ctx, ctx.store.read());
  if (o.json) return out.json(s);
  const state = s.running
    ? s.answering
      ? out.paint.green('running')
      : out.paint.red('running but not answering')
    : out.paint.yellow(`not running${s.port_held_by ? ` (port ${s.port} is held by ${s.port_held_by})` : ''}`);
  out.out(
    `DNS server: ${state}${s.pid ? ` (pid ${s.pid})` : ''}\naddress:    127.0.0.1:${s.port}\nsuffixes:   ${s.suffixes.join(', ')}\nrecords:    ${s.records}\nconfig:     ${s.config}\n`,
  );
  if (!s.running) out.err('start it: cilo dns start\n');
}

export async function render(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const served = [...recordsByEnvironment(ctx.store.read())].filter(([, records]) => records.length > 0);
  if (o.json) return out.json({ environments: Object.fromEntries(served) });
  for (const [env, records] of served) out.out(`# ${env}\n${renderHostsFile(records)}`);
}

export async function setup(
  o: { print: boolean; for?: string; json: boolean },
  ctx: Context,
  out: Output,
): Promise<void> {
  if (!o.print) refuseUnderSudo(ctx, 'cilo dns setup');
  const plan = hostResolverPlan(ctx, ctx.store.read(), o.for);
  if (o.json && (o.print || plan.manual)) return out.json(plan);
  if (plan.manual) return out.out(plan.manual + '\n');
  if (o.print) {
    for (const f of plan.files) out.out(`# ${f.path}\n${f.content}`);
    for (const c of plan.then) out.out(`# then run: ${c.join(' ')}\n`);
    return;
  }
  // Another account (or this one, at another port) may have routed these names already: said, then replaced.
  for (const d of hostResolverDrift(ctx, ctx.store.read()))
    out.err(`${resolverDriftText(d, dnsPort(ctx))}: it will send them to this account's\n`);
  await asRoot(ctx, plan.files, plan.then);
  for (const f of plan.files) out.err(`wrote ${f.path}\n`);
}
