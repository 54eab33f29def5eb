import type { Context } from '../../context.js';
import { loadEnvironment } from '../../core/environment/load.js';
import { connectionView, environmentView } from '../views.js';
import type { Output } from '../output.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const dotenvValue = (s: string) => (/^[\w./:@-]*$/.test(s) ? s : JSON.stringify(s));

/** `cilo env NAME`: where each service answers from this host, for scripts, test runners and agents. */
export async function run(
  o: { name: string; format: 'dotenv' | 'json' | 'shell' },
  ctx: Context,
  out: Output,
): Promise<void> {
  const { key, record, state } = loadEnvironment(ctx, o.name);
  const c = connectionView(environmentView(state, key, record));
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
