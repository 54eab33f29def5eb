// The bench's measuring tools: a whole process timed, medians, and two commands compared pair by pair.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type Row = (cells: string[]) => void;

/**
 * Times one process to its end; a failure is an error with its stderr. Started as a shell starts it (PWD set
 * to `cwd`), or as a program does (an IDE, a test runner, an agent: the working directory and no PWD).
 */
export function time(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  from: 'shell' | 'program' = 'shell',
): number {
  const { PWD: _received, ...rest } = env;
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    env: from === 'shell' ? { ...rest, PWD: cwd } : rest,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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
