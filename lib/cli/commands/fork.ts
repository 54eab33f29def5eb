import type { Context } from '../../context.js';
import { forkEnvironment, type UncopiedChoice } from '../../core/service.js';
import { forkReport } from '../../views/reports.js';
import type { Output } from '../output.js';

export async function run(
  o: { source: string; name: string; live: boolean; uncopied?: UncopiedChoice; json: boolean },
  ctx: Context,
  out: Output,
): Promise<void> {
  const forked = await forkEnvironment(ctx, o);
  if (o.json) return out.json(await forkReport(ctx, forked));
  const lines = [
    `forked ${forked.key} from ${o.source}: ${forked.copied.length} volume(s) copied${forked.paused ? ` (${o.source} was paused for the copy)` : ''}`,
    ...forked.copied.map((c) => `  volume ${c.key}: ${c.from.name} → ${c.to.name}`),
    ...forked.uncopied.map(
      (m) =>
        `  not copied: ${m.service}:${m.target} (${m.kind} ${m.source}): ${m.fork_uses === 'shared' ? 'the fork uses the same' : m.fork_uses === 'empty' ? 'the fork has an empty volume there' : 'the fork starts with a new one'}`,
    ),
    `start it: cilo up ${forked.record.name}`,
  ];
  out.err(lines.join('\n') + '\n');
}
