import { existsSync, mkdirSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../../errors/index.js';
import type { Context } from '../../env/context.js';
import { dnsPort, dnsStatus, ensureDnsServer, stopDnsServer } from '../../dns/server.js';
import { recordsByEnvironment, servedSuffixes } from '../../dns/records.js';
import { renderHostsFile } from '../../dns/hostsdir.js';
import { detectResolverKind, parseResolverKind, resolverPlan } from '../../dns/setup.js';
import { readState } from '../../state/store.js';
import type { Output } from '../output.js';

export async function start(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const s = await ensureDnsServer(ctx);
  if (o.json) out.json(s);
}

export async function stop(ctx: Context, out: Output): Promise<void> {
  out.err((await stopDnsServer(ctx)) ? 'DNS server stopped\n' : 'DNS server was not running\n');
}

export async function status(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const s = await dnsStatus(ctx);
  if (o.json) return out.json(s);
  const state = s.running ? (s.answering ? out.paint.green('running') : out.paint.red('running but not answering')) : out.paint.yellow('not running');
  out.out(
    `DNS server: ${state}${s.pid ? ` (pid ${s.pid})` : ''}\naddress:    127.0.0.1:${s.port}\nsuffixes:   ${s.suffixes.join(', ')}\nrecords:    ${s.records}\nconfig:     ${s.config}\n`,
  );
  if (!s.running) out.err("start it: cilo dns start\n");
}

export async function render(ctx: Context, out: Output): Promise<void> {
  for (const [env, records] of recordsByEnvironment(readState(ctx.home))) {
    if (records.length === 0) continue;
    out.out(`# ${env}\n${renderHostsFile(records)}`);
  }
}

export async function setup(o: { print: boolean; for?: string }, ctx: Context, out: Output): Promise<void> {
  const port = dnsPort(ctx.env);
  const suffixes = servedSuffixes(readState(ctx.home), ctx.env);
  const kind = o.for ? parseResolverKind(o.for) : detectResolverKind(process.platform, existsSync('/run/systemd/resolve'));
  const plan = resolverPlan(kind, port, suffixes);
  if (plan.manual) {
    out.out(plan.manual + '\n');
    return;
  }
  if (o.print) {
    for (const f of plan.files) out.out(`# ${f.path}\n${f.content}`);
    for (const c of plan.then) out.out(`# then run: ${c}\n`);
    return;
  }
  if (process.getuid?.() !== 0)
    throw new UserError(`writing ${plan.files.map((f) => f.path).join(', ')} needs root`, `run: sudo cilo dns setup   (or 'cilo dns setup --print' to see what it would write)`);
  // All files are staged first, then renamed: a failure leaves none of them half-written.
  const staged: [string, string][] = [];
  try {
    for (const f of plan.files) {
      mkdirSync(dirname(f.path), { recursive: true, mode: 0o755 });
      const tmp = `${f.path}.cilo-${process.pid}.tmp`;
      writeFileSync(tmp, f.content, { mode: 0o644 });
      staged.push([tmp, f.path]);
    }
  } catch (e) {
    for (const [tmp] of staged) unlinkSync(tmp);
    throw e;
  }
  for (const [tmp, path] of staged) {
    renameSync(tmp, path);
    out.err(`wrote ${path}\n`);
  }
  for (const c of plan.then) out.err(`now run: sudo ${c}\n`);
}
