// `npm run bench`, the scale figures: 200 environments of the two-network fixture (fixtures/backend),
// brought up 25 at a time; how long each wave takes as more environments run, then `cilo list --json` and
// a DNS lookup with all of them live. Everything is destroyed at the end, also on failure. Next to it, the
// engine's own cost of creating a network before and after (Docker 20.10 adds iptables isolation rules per
// bridge network, so each create costs more the more networks exist; plain Compose pays it too).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { queryA } from '../lib/dns/query.js';
import { fmt } from './measure.js';

export interface ScaleOptions {
  shim: string;
  cilo: string;
  root: string;
  env: NodeJS.ProcessEnv;
  total: number;
  wave: number;
  row(cells: string[]): void;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((res) => spawn(cmd, args, { cwd, env, stdio: 'ignore' }).on('exit', (c) => res(c ?? 1)));
}

async function inWaves<T>(
  items: readonly T[],
  size: number,
  fn: (x: T) => Promise<number>,
): Promise<{ ms: number[]; failed: number }> {
  const ms: number[] = [];
  let failed = 0;
  for (let i = 0; i < items.length; i += size) {
    const t0 = performance.now();
    const codes = await Promise.all(items.slice(i, i + size).map(fn));
    ms.push(performance.now() - t0);
    failed += codes.filter((c) => c !== 0).length;
  }
  return { ms, failed };
}

/** Median time of `docker network create` (removed again) of a network outside cilo's pool. */
function networkCreate(env: NodeJS.ProcessEnv): number {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const name = `cilo-bench-probe-${process.pid}-${i}`;
    const t0 = performance.now();
    const r = spawnSync('docker', ['network', 'create', name], { env, stdio: 'ignore' });
    ms.push(performance.now() - t0);
    spawnSync('docker', ['network', 'rm', name], { env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`docker network create ${name} failed`);
  }
  return ms.sort((a, b) => a - b)[2]!;
}

/**
 * `parallel` ups of the two-network fixture all at once (issue 21: on two cores, 10 of 60 once failed on the
 * state lock's timeout). Plain Compose cannot run as many copies: 120 networks exhaust Docker's default pools.
 */
export async function parallelUps(o: ScaleOptions, parallel: number): Promise<void> {
  const dir = join(o.root, 'fixtures', 'backend');
  const names = Array.from({ length: parallel }, (_, i) => `par${process.pid}x${i}`);
  try {
    const up = await inWaves(names, parallel, (n) => run(o.shim, ['-p', n, 'up', '-d'], dir, o.env));
    o.row([
      `scale: ${parallel} envs (2 networks) up at once`,
      '',
      fmt(up.ms[0]!),
      '',
      `${up.failed} of ${parallel} failed (target 0); plain Compose: pools exhausted`,
    ]);
  } finally {
    await inWaves(names, 20, (n) => run(o.cilo, ['destroy', n], dir, o.env));
  }
}

export async function scale(o: ScaleOptions): Promise<void> {
  const dir = join(o.root, 'fixtures', 'backend');
  const names = Array.from({ length: o.total }, (_, i) => `scale${process.pid}x${i}`);
  try {
    const createBefore = networkCreate(o.env);
    const t0 = performance.now();
    const up = await inWaves(names, o.wave, (n) => run(o.shim, ['-p', n, 'up', '-d'], dir, o.env));
    const total = performance.now() - t0;
    if (up.failed > 0) throw new Error(`${up.failed} of ${o.total} ups failed`);
    o.row([
      `scale: ${o.total} envs (2 networks) up, ${o.wave} at a time`,
      '',
      fmt(total),
      '',
      `all ${o.total} up; ${(o.total / (total / 1000)).toFixed(1)} envs/s`,
    ]);
    o.row([
      `scale: first wave (left) vs last wave (right)`,
      fmt(up.ms[0]!),
      fmt(up.ms.at(-1)!),
      '',
      `${(up.ms.at(-1)! / up.ms[0]!).toFixed(2)}x (target <= 1.5x)`,
    ]);
    o.row([`scale: each wave, s`, '', '', '', up.ms.map((ms) => (ms / 1000).toFixed(1)).join(' ')]);
    const createAfter = networkCreate(o.env);
    o.row([
      `engine: docker network create, before (left) and with ${o.total} envs up (right)`,
      fmt(createBefore),
      fmt(createAfter),
      '',
      `${(createAfter / createBefore).toFixed(2)}x (the engine's own growth)`,
    ]);
    const list: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t1 = performance.now();
      const r = spawnSync(o.cilo, ['list', '--json'], {
        env: o.env,
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 << 20,
      });
      list.push(performance.now() - t1);
      const listed = (JSON.parse(String(r.stdout)) as { environments: { name: string }[] }).environments.filter((e) =>
        names.includes(e.name),
      );
      if (listed.length !== o.total) throw new Error(`cilo list --json lists ${listed.length} of the ${o.total}`);
    }
    o.row([
      `scale: cilo list --json, ${o.total} live envs`,
      '',
      fmt(list.sort((a, b) => a - b)[2]!),
      '',
      'whole process, median of 5',
    ]);
    const lookups: number[] = [];
    for (const n of names.slice(0, 20)) {
      const t1 = performance.now();
      const a = await queryA(`db.${n}.test`, Number(o.env.CILO_DNS_PORT));
      lookups.push(performance.now() - t1);
      if (a.addresses.length !== 1) throw new Error(`db.${n}.test: no answer`);
    }
    o.row([
      `scale: DNS lookup, ${o.total} live envs`,
      '',
      fmt(lookups.sort((a, b) => a - b)[10]!),
      '',
      'median of 20 names',
    ]);
  } finally {
    await inWaves(names, o.wave, (n) => run(o.cilo, ['destroy', n], dir, o.env));
  }
}
