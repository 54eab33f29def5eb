import type { Context } from '../../context.js';
import { connectionReport } from '../../views/reports.js';
import type { Output } from '../output.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const dotenvValue = (s: string) => (/^[\w./:@-]*$/.test(s) ? s : JSON.stringify(s));

/** `cilo env NAME`: where each service answers from this host, for scripts, test runners and agents. */
export async function run(
  o: { name: string; format: 'dotenv' | 'json' | 'shell' },
  ctx: Context,
  out: Output,
): Promise<void> {
  const c = await connectionReport(ctx, o.name);
  if (o.format === 'json') return out.json(c);
  const line =
    o.format === 'shell'
      ? (k: string, v: string) => `export ${k}=${shellQuote(v)}`
      : (k: string, v: string) => `${k}=${dotenvValue(v)}`;
  out.out(
    Object.entries(c.variables)
      .map(([k, v]) => line(k, v) + '\n')
      .join(''),
  );
}
