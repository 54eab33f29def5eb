import type { Context } from '../../context.js';
import { diagnose, repair } from '../../core/service.js';
import { ExitCodeError } from '../../errors/index.js';
import type { Output } from '../output.js';

export async function run(o: { fix: boolean; json: boolean }, ctx: Context, out: Output): Promise<void> {
  let findings = await diagnose(ctx);
  let bugs: Error[] = [];
  if (o.fix && findings.length > 0) ({ findings, bugs } = await repair(ctx, findings));
  const remaining = findings.filter((f) => f.fixed !== true);
  if (o.json) out.json({ ok: remaining.length === 0, findings });
  else if (findings.length === 0) out.out('no drift: state and Docker agree\n');
  else
    for (const f of findings) {
      const mark =
        f.fixed === true
          ? out.paint.green('fixed')
          : f.fixed === false
            ? out.paint.red(`not fixed: ${f.error}`)
            : out.paint.yellow(f.kind);
      const where = f.engine && f.engine !== 'local' ? ` (on engine ${f.engine})` : '';
      out.out(`${mark}  ${f.problem}${where}\n    --fix: ${f.fix}\n`);
    }
  if (!o.json && remaining.length > 0 && !o.fix) out.err("run 'cilo doctor --fix' to repair\n");
  // A repair that failed on a bug in cilo is reported as one, stack and all (exit 70), after the findings.
  if (bugs[0]) throw bugs[0];
  // Findings left: exit 1, so scripts can tell drift from no drift.
  if (remaining.length > 0) throw new ExitCodeError(1);
}
