// The bench's measuring tools: a whole process timed, medians, and two commands compared pair by pair.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type Row = (cells: string[]) => void;

/** Times one process to its end; a failure is an error with its stderr. PWD as a shell sets it for `cwd`. */
export function time(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...env, PWD: cwd }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return ms;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** Alternates the two (after one warm-up each) so drift affects both alike; records the medians and their ratio. */
export function compare(
  row: Row,
  label: string,
  plain: () => number,
  ours: () => number,
  runs: number,
): { plain: number; ours: number } {
  plain();
  ours();
  const p: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < runs; i++) {
    p.push(plain());
    o.push(ours());
  }
  const r = { plain: median(p), ours: median(o) };
  row([label, fmt(r.plain), fmt(r.ours), `+${(r.ours - r.plain).toFixed(1)} ms`, `${(r.ours / r.plain).toFixed(2)}x`]);
  return r;
}

/** Times `up -d` (cmd + args + up -d), then brings it down again untimed. */
export function upThenDown(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const ms = time(cmd, [...args, 'up', '-d'], cwd, env);
  time(cmd, [...args, 'down'], cwd, env);
  return ms;
}
