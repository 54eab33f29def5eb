import type { Context } from '../../context.js';
import { sharedReport } from '../../views/reports.js';
import type { SharedNetworkView } from '../../views/views.js';
import { alignRows, type Output } from '../output.js';

const presence = (v: SharedNetworkView) =>
  v.exists === null ? `engine ${v.engine} does not answer` : v.exists ? 'exists' : 'MISSING';
const where = (engine: string | null) => (engine && engine !== 'local' ? ` on ${engine}` : '');

export async function list(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const all = await sharedReport(ctx);
  if (o.json) return out.json({ shared_networks: all });
  if (all.length === 0) return out.err('no shared networks; publish one: cilo up <name> --create-shared\n');
  const [header, ...lines] = alignRows(
    ['NETWORK', 'CREATED BY', 'REFERENCES', 'CREATED'],
    all.map((v) => [
      v.name + (v.scope === 'swarm' ? ' (swarm)' : '') + (v.exists === true ? '' : ` (${presence(v)})`),
      v.created_by + where(v.engine),
      String(v.references.length),
      v.created_at.slice(0, 10),
    ]),
    out.paint.bold,
  );
  let text = `${header}\n`;
  all.forEach((v, i) => {
    text += `${lines[i]}\n`;
    for (const r of v.references)
      text += `  └─ ${r.key}${where(r.engine)}${r.status !== 'running' ? ` (${r.status})` : ''}${r.broken ? ' (BROKEN)' : ''}\n`;
  });
  out.out(text);
}

export async function inspect(o: { network: string; json: boolean }, ctx: Context, out: Output): Promise<void> {
  const [v] = await sharedReport(ctx, o.network);
  if (o.json) return out.json(v);
  out.out(
    `Network: ${v!.name}\nScope: ${v!.scope}\nCreated By: ${v!.created_by}${where(v!.engine)}\nCreated At: ${v!.created_at}\nSubnet: ${v!.subnet ?? '-'}\nDocker network: ${presence(v!)}\nReferences (${v!.references.length}):\n` +
      v!.references.map((r) => `  - ${r.key}${where(r.engine)} (${r.status}${r.broken ? ', BROKEN' : ''})\n`).join(''),
  );
}
