import type { Context } from '../../context.js';
import { collectGarbage, parseDuration, type GcReport } from '../../core/service.js';
import { ExitCodeError } from '../../errors/index.js';
import { confirm, interactive, type Output } from '../output.js';

const ago = (seconds: number) =>
  seconds >= 86400
    ? `${Math.floor(seconds / 86400)}d`
    : seconds >= 3600
      ? `${Math.floor(seconds / 3600)}h`
      : seconds >= 60
        ? `${Math.floor(seconds / 60)}m`
        : `${seconds}s`;

export async function run(
  o: { olderThan: string; dryRun: boolean; includeRunning: boolean; yes: boolean; json: boolean },
  ctx: Context,
  out: Output,
): Promise<void> {
  const asked = { olderThanMs: parseDuration(o.olderThan), dryRun: o.dryRun, includeRunning: o.includeRunning };
  // On a terminal the list comes first, and only what it showed goes, once the user says so.
  let only: ((name: string) => boolean) | undefined;
  if (!o.dryRun && !o.json && !o.yes && interactive(out)) {
    const shown = await collectGarbage(ctx, { ...asked, dryRun: true });
    print(shown, { ...o, dryRun: true }, out);
    if (shown.removed.length === 0) return;
    const n = shown.removed.length;
    if (!(await confirm(out, `destroy ${n === 1 ? 'it' : `these ${n}`}? [y/N] `)))
      return out.err('nothing destroyed\n');
    const names = new Set(shown.removed.map((e) => e.name));
    only = (name) => names.has(name);
  }
  const report = await collectGarbage(ctx, { ...asked, only });
  if (o.json) out.json(report);
  else print(report, o, out);
  // What could not be destroyed was said (in `failed`, or on stderr): the exit code says it too.
  if (report.failed.length > 0) throw new ExitCodeError(1);
}

function print(report: GcReport, o: { olderThan: string; dryRun: boolean }, out: Output): void {
  const verb = o.dryRun ? 'would destroy' : 'destroyed';
  for (const e of report.removed) out.out(`${verb} ${e.key} (unused for ${ago(e.idle_seconds)}, ${e.status})\n`);
  for (const e of report.kept) out.out(`kept ${e.key} (unused for ${ago(e.idle_seconds)}): ${e.reason}\n`);
  for (const f of report.failed) out.err(`could not destroy ${f.key}: ${f.error}\n`);
  if (report.removed.length + report.kept.length + report.failed.length === 0)
    out.err(`nothing unused for ${o.olderThan}\n`);
}
