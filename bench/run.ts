// `npm run bench`: cilo's performance figures, each measured side by side with plain `docker compose` in
// this one run (absolute times vary from run to run; the ratios are what we track).
// Targets (issue 3/4): passthrough adds <= 75 ms median; managed `up -d` <= 1.15x plain Compose;
// DNS answer within 1 s of `cilo up` returning.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSocket } from 'node:dgram';
import { queryA } from '../lib/dns/query.js';
import { updateState } from '../lib/state/store.js';
import { syncHostsDir } from '../lib/dns/hostsdir.js';
import { emptyState, type State } from '../lib/state/schema.js';

const ROOT = resolve(import.meta.dirname, '..');
const SHIM = join(ROOT, 'bin', 'cilo-compose');
const CILO = join(ROOT, 'bin', 'cilo');
const RUNS = Number(process.env.BENCH_RUNS || 11);
const home = mkdtempSync(join(tmpdir(), 'cilo-bench-'));
const env = { ...process.env, CILO_HOME: join(home, 'home'), CILO_DNS_PORT: process.env.BENCH_DNS_PORT || String(await freeUdpPort()), NO_COLOR: '1' };
const rows: string[][] = [];

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

function time(cmd: string, args: string[], cwd = ROOT): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** Alternates the two commands so drift affects both alike. */
function compare(label: string, plain: () => number, ours: () => number, runs = RUNS): { plain: number; ours: number } {
  plain();
  ours(); // warm-up
  const p: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < runs; i++) {
    p.push(plain());
    o.push(ours());
  }
  const r = { plain: median(p), ours: median(o) };
  rows.push([label, fmt(r.plain), fmt(r.ours), `+${(r.ours - r.plain).toFixed(1)} ms`, `${(r.ours / r.plain).toFixed(2)}x`]);
  return r;
}

function dockerCompose(args: string[], cwd: string) {
  execFileSync('docker', ['compose', ...args], { cwd, env, stdio: 'ignore' });
}

async function main() {
  const plainDir = join(ROOT, 'fixtures', 'frontend');
  const webapp = join(ROOT, 'fixtures', 'webapp');
  process.stderr.write(`bench: ${RUNS} runs per figure, CILO_HOME=${env.CILO_HOME}\n`);

  // The floor for any Node.js shim on this machine: Node's own start, and a minimal wrapper that only
  // spawns `docker compose` and waits (what cilo-compose does for a project that is not cilo's).
  const floor = join(home, 'floor.mjs');
  writeFileSync(floor, "import { spawn } from 'node:child_process';\nspawn('docker', process.argv.slice(2), { stdio: 'inherit' }).on('exit', (c) => process.exit(c ?? 1));\n");
  compare('floor: node -e 0', () => time('docker', ['compose', 'version']), () => time('node', ['-e', '0']));
  compare('floor: minimal Node wrapper, version', () => time('docker', ['compose', 'version']), () => time('node', [floor, 'compose', 'version']));
  compare('passthrough: compose version', () => time('docker', ['compose', 'version']), () => time(SHIM, ['version']));
  compare('passthrough: compose config', () => time('docker', ['compose', 'config'], plainDir), () => time(SHIM, ['config'], plainDir));

  // Managed up -d of the three-service fixture, from stopped, versus plain Compose on the same files.
  const upRuns = Math.max(5, Math.floor(RUNS / 2));
  const plainName = `benchplain${process.pid}`;
  const ciloName = `benchcilo${process.pid}`;
  try {
    time(SHIM, ['-p', ciloName, 'up', '-d'], webapp); // registration, network, override
    time(SHIM, ['-p', ciloName, 'down'], webapp);
    // The same `up` as cilo runs it (its override: a second network per service), without cilo around it.
    const override = join(env.CILO_HOME, 'envs', ciloName, 'override.yml');
    compare(
      'managed: compose + override vs cilo',
      () => {
        const ms = time('docker', ['compose', '-f', join(webapp, 'compose.yaml'), '-f', override, '-p', ciloName, 'up', '-d'], webapp);
        dockerCompose(['-f', join(webapp, 'compose.yaml'), '-f', override, '-p', ciloName, 'down'], webapp);
        return ms;
      },
      () => {
        const ms = time(SHIM, ['-p', ciloName, 'up', '-d'], webapp);
        time(SHIM, ['-p', ciloName, 'down'], webapp);
        return ms;
      },
      upRuns,
    );
    compare(
      'managed: up -d (3 services)',
      () => {
        const ms = time('docker', ['compose', '-p', plainName, 'up', '-d'], webapp);
        dockerCompose(['-p', plainName, 'down'], webapp);
        return ms;
      },
      () => {
        const ms = time(SHIM, ['-p', ciloName, 'up', '-d'], webapp);
        time(SHIM, ['-p', ciloName, 'down'], webapp);
        return ms;
      },
      upRuns,
    );

    // DNS: from `up` returning to the first correct answer from cilo's dnsmasq.
    const port = Number(env.CILO_DNS_PORT);
    const lags: number[] = [];
    for (let i = 0; i < upRuns; i++) {
      time(SHIM, ['-p', ciloName, 'up', '-d'], webapp);
      const t0 = performance.now();
      for (;;) {
        const a = await queryA(`web.${ciloName}.test`, port).catch(() => undefined);
        if (a && a.addresses.length > 0) break;
        if (performance.now() - t0 > 5000) throw new Error('no DNS answer within 5 s');
      }
      lags.push(performance.now() - t0);
      time(SHIM, ['-p', ciloName, 'down'], webapp);
    }
    rows.push(['dns: up returned → first answer', '', fmt(median(lags)), '', 'target < 1000 ms']);
  } finally {
    spawnSync(CILO, ['destroy', ciloName], { env, stdio: 'ignore' });
    spawnSync(CILO, ['dns', 'stop'], { env, stdio: 'ignore' });
    spawnSync('docker', ['compose', '-p', plainName, 'down'], { cwd: webapp, env, stdio: 'ignore' });
  }

  // DNS throughput: 1,000 names served from the hostsdir, queried one after another.
  const dnsHome = join(home, 'dns-home');
  mkdirSync(dnsHome, { recursive: true });
  const fake: State = emptyState();
  for (let e = 0; e < 200; e++) {
    const services: State['hosts'][string]['environments'][string]['services'] = {};
    for (let s = 0; s < 5; s++) services[`s${s}`] = { name: `s${s}`, dns_name: `s${s}.e${e}.test`, addresses: [`10.230.${e}.${s + 2}`], replicas: 1 };
    fake.hosts.local!.environments[`p/e${e}`] = { name: `e${e}`, project: 'p', created_at: '', subnet: `10.230.${e}.0/24`, status: 'running', source: '/x', services, shared_networks: [] };
  }
  await updateState(dnsHome, (s) => Object.assign(s, fake), { afterWrite: (s) => syncHostsDir(dnsHome, s) });
  const dnsEnv = { ...env, CILO_HOME: dnsHome, CILO_DNS_PORT: String(await freeUdpPort()) };
  execFileSync(CILO, ['dns', 'start'], { env: dnsEnv, stdio: 'ignore' });
  try {
    const t0 = performance.now();
    for (let e = 0; e < 200; e++)
      for (let s = 0; s < 5; s++) {
        const a = await queryA(`s${s}.e${e}.test`, Number(dnsEnv.CILO_DNS_PORT));
        if (a.addresses[0] !== `10.230.${e}.${s + 2}`) throw new Error(`wrong answer for s${s}.e${e}.test`);
      }
    const ms = performance.now() - t0;
    rows.push(['dns: 1,000 sequential queries', '', fmt(ms), '', `${Math.round(1000 / (ms / 1000))} queries/s`]);
  } finally {
    execFileSync(CILO, ['dns', 'stop'], { env: dnsEnv, stdio: 'ignore' });
  }

  // One locked state update (flock + fresh read + fsync'd atomic write), in process.
  const lockHome = join(home, 'lock-home');
  const n = 500;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await updateState(lockHome, (s) => void s.subnet_counter++);
  rows.push(['state: one locked update', '', fmt((performance.now() - t0) / n), '', `${n} sequential updates`]);

  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[['figure', 'docker compose', 'cilo', 'added', 'ratio / note'], ...rows].map((r) => (r[i] ?? '').length)));
  for (const r of [['figure', 'docker compose', 'cilo', 'added', 'ratio / note'], ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(home, { recursive: true, force: true }));
