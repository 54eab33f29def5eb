// `npm run bench`: cilo's performance figures, each measured side by side with plain `docker compose` in
// this one run (absolute times vary from run to run; the ratios are what we track).
// Targets (README, "Performance"): managed `up -d` <= 1.15x plain Compose (published access too); DNS and
// router answers within 1 s of `up` returning; the router at >= 0.8x of a published port's requests per
// second; the passthrough as close to plain Compose as Node's own start allows; a fork of a 100 MB volume
// <= 1.5x `docker cp` of the data alone; one MCP `status` call <= 0.5x `cilo status --json` as a process.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSocket } from 'node:dgram';
import { queryA } from '../lib/dns/query.js';
import { updateState } from '../lib/state/store.js';
import { syncHostsDir } from '../lib/dns/hostsdir.js';
import { emptyState, type State } from '../lib/state/schema.js';
import { access } from './access.js';
import { agents } from './agents.js';
import { nodeStartup } from './nodes.js';
import { parallelUps, scale } from './scale.js';
import { remote } from './remote.js';
import { compare as compareRuns, fmt, median, time as timeProcess, upThenDown as upDown } from './measure.js';

const ROOT = resolve(import.meta.dirname, '..');
const SHIM = join(ROOT, 'dist', 'cilo-compose');
const CILO = join(ROOT, 'bin', 'cilo');
const RUNS = Number(process.env.BENCH_RUNS || 11);
// BENCH_SCALE: how many environments the scale figures bring up (default 200; 0 leaves them out).
const home = mkdtempSync(join(tmpdir(), 'cilo-bench-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CILO_HOME: join(home, 'home'),
  CILO_DNS_PORT: process.env.BENCH_DNS_PORT || String(await freeUdpPort()),
  NO_COLOR: '1',
  // The router's image as the tests build it (no registry here).
  CILO_ROUTER_IMAGE: process.env.CILO_ROUTER_IMAGE || 'cilo-router:local',
};
const rows: string[][] = [];
/** Each figure goes to stderr as soon as it is measured (a run that fails later keeps what it had). */
const record = (row: string[]) => {
  rows.push(row);
  process.stderr.write(`bench: ${row.filter(Boolean).join(' | ')}\n`);
};

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

const time = (cmd: string, args: string[], cwd = ROOT, withEnv: NodeJS.ProcessEnv = env) =>
  timeProcess(cmd, args, cwd, withEnv);
const compare = (label: string, plain: () => number, ours: () => number, runs = RUNS) =>
  compareRuns(record, label, plain, ours, runs);
const upThenDown = (cmd: string, args: string[], cwd: string) => upDown(cmd, args, cwd, env);

/** 500 environments of 5 services each, as cilo records them. */
function bigState(): State {
  const big: State = emptyState();
  for (let e = 0; e < 500; e++) {
    const services: State['hosts'][string]['environments'][string]['services'] = {};
    const net = `10.${224 + (e >> 8)}.${e & 255}`;
    for (let s = 0; s < 5; s++)
      services[`s${s}`] = {
        name: `s${s}`,
        dns_name: `s${s}.b${e}.test`,
        ip: `${net}.${s + 2}`,
        addresses: [`${net}.${s + 2}`],
        replicas: 1,
      };
    big.hosts.local!.environments[`p/b${e}`] = {
      name: `b${e}`,
      project: 'p',
      created_at: '',
      subnet: `${net}.0/24`,
      status: 'running',
      source: '/x',
      services,
      shared_networks: [],
    };
  }
  return big;
}

async function main() {
  const plainDir = join(ROOT, 'fixtures', 'frontend');
  const webapp = join(ROOT, 'fixtures', 'webapp');
  process.stderr.write(`bench: ${RUNS} runs per figure, CILO_HOME=${env.CILO_HOME}\n`);

  // Node's own start on this machine (what the shim pays when the front hands over), with and without the
  // NODE_EXTRA_CA_CERTS the front leaves out for it.
  const { NODE_EXTRA_CA_CERTS: _ca, ...noCa } = env;
  compare(
    'floor: node -e 0 (as the shim starts it)',
    () => time('docker', ['compose', 'version']),
    () => time('node', ['-e', '0'], ROOT, noCa),
  );

  // Passthrough: projects that are not cilo's, where the shell front becomes `docker compose` itself. Also
  // from three directories below the project, and with a state file of 500 environments to look through.
  const deep = join(home, 'deep');
  mkdirSync(join(deep, 'a', 'b', 'c'), { recursive: true });
  writeFileSync(join(deep, 'compose.yaml'), readFileSync(join(plainDir, 'compose.yaml')));
  const bigHome = join(home, 'big-home');
  await updateState(bigHome, (s) => Object.assign(s, bigState()));
  const bigEnv = { ...env, CILO_HOME: bigHome };
  compare(
    'passthrough: version',
    () => time('docker', ['compose', 'version']),
    () => time(SHIM, ['version']),
  );
  compare(
    'passthrough: config',
    () => time('docker', ['compose', 'config'], plainDir),
    () => time(SHIM, ['config'], plainDir),
  );
  compare(
    'passthrough: config, from a program (no PWD)',
    () => timeProcess('docker', ['compose', 'config'], plainDir, env, 'program'),
    () => timeProcess(SHIM, ['config'], plainDir, env, 'program'),
  );
  compare(
    'passthrough: ps',
    () => time('docker', ['compose', 'ps'], plainDir),
    () => time(SHIM, ['ps'], plainDir),
  );
  compare(
    'passthrough: config, 3 directories below',
    () => time('docker', ['compose', 'config'], join(deep, 'a', 'b', 'c')),
    () => time(SHIM, ['config'], join(deep, 'a', 'b', 'c')),
  );
  compare(
    'passthrough: ps, 500 environments in state',
    () => time('docker', ['compose', 'ps'], plainDir, bigEnv),
    () => time(SHIM, ['ps'], plainDir, bigEnv),
  );
  // A cilo project's config: the model cilo runs (the override given on stdin), not yet registered.
  compare(
    'managed: config of a cilo project',
    () => time('docker', ['compose', 'config'], webapp),
    () => time(SHIM, ['config'], webapp),
  );

  // Managed up -d of the three-service fixture, from stopped, versus plain Compose on the same files.
  const upRuns = RUNS; // each pair is ~2 s; fewer pairs gave ratios from 1.08x to 1.31x between runs
  const plainName = `benchplain${process.pid}`;
  const ciloName = `benchcilo${process.pid}`;
  try {
    time(SHIM, ['-p', ciloName, 'up', '-d'], webapp); // registration, network, override
    time(SHIM, ['-p', ciloName, 'down'], webapp);
    // The same `up` as cilo runs it (with its override), without cilo around it: cilo's own cost.
    const override = join(env.CILO_HOME!, 'envs', ciloName, 'override.yml');
    compare(
      'managed: compose + override vs cilo',
      () =>
        upThenDown('docker', ['compose', '-f', join(webapp, 'compose.yaml'), '-f', override, '-p', ciloName], webapp),
      () => upThenDown(SHIM, ['-p', ciloName], webapp),
      upRuns,
    );
    compare(
      'managed: up -d (3 services)',
      () => upThenDown('docker', ['compose', '-p', plainName], webapp),
      () => upThenDown(SHIM, ['-p', ciloName], webapp),
      upRuns,
    );

    // 20 environments of the one-service fixture: one after another, then all at once.
    const tiny = join(ROOT, 'fixtures', 'tiny');
    const many = Array.from({ length: 20 }, (_, i) => `benchmany${process.pid}x${i}`);
    const spawnUp = (n: string) =>
      new Promise<void>((res, rej) =>
        spawn(SHIM, ['-p', n, 'up', '-d'], { cwd: tiny, env, stdio: 'ignore' }).on('exit', (c) =>
          c === 0 ? res() : rej(new Error(`up ${n}: ${c}`)),
        ),
      );
    try {
      const tSeq = performance.now();
      for (const n of many) await spawnUp(n);
      const seq = performance.now() - tSeq;
      for (const n of many) time(SHIM, ['-p', n, 'down'], tiny);
      const tPar = performance.now();
      await Promise.all(many.map(spawnUp));
      const par = performance.now() - tPar;
      record([
        'managed: 20 envs up: serial (left), parallel (right)',
        fmt(seq),
        fmt(par),
        '',
        `${(seq / par).toFixed(2)}x faster in parallel`,
      ]);
    } finally {
      await Promise.all(
        many.map((n) => new Promise((r) => spawn(CILO, ['destroy', n], { env, stdio: 'ignore' }).on('exit', r))),
      );
    }

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
    record(['dns: up returned → first answer', '', fmt(median(lags)), '', 'target < 1000 ms']);

    // Start-up on the current Node releases, next to the machine's.
    nodeStartup({ root: ROOT, env, runs: RUNS, row: record });

    // A fork with its data, and a tool call to the MCP server (docs/DESIGN.md §12).
    await agents({ cilo: CILO, root: ROOT, env, runs: RUNS, row: record });

    // Published access and the router, on the rig's rootless engine (it needs root to start one).
    if (process.getuid?.() === 0) await access({ shim: SHIM, cilo: CILO, root: ROOT, env, runs: RUNS, row: record });
    else record(['published / router figures', '', '', '', 'left out: the rootless engine needs root']);
    // An engine over ssh: forwards, and cilo's calls over one connection (it needs root to start one).
    if (process.getuid?.() === 0) await remote({ shim: SHIM, cilo: CILO, root: ROOT, env, runs: RUNS, row: record });
    else record(['remote over ssh figures', '', '', '', 'left out: the engine over ssh needs root']);

    const total = Number(process.env.BENCH_SCALE || 200);
    const scaleOptions = { shim: SHIM, cilo: CILO, root: ROOT, env, total, wave: 25, row: record };
    if (total > 0) await parallelUps(scaleOptions, Math.min(60, total));
    if (total > 0) await scale(scaleOptions);
  } finally {
    spawnSync(CILO, ['destroy', ciloName], { env, stdio: 'ignore' });
    spawnSync(CILO, ['dns', 'stop'], { env, stdio: 'ignore' });
    // The routed environments started the home's router: it goes with the home, and its data volume too.
    spawnSync(CILO, ['router', 'stop', '--purge'], { env, stdio: 'ignore' });
    spawnSync('docker', ['compose', '-p', plainName, 'down'], { cwd: webapp, env, stdio: 'ignore' });
  }

  // DNS throughput: 1,000 names served from the hostsdir, queried one after another.
  const dnsHome = join(home, 'dns-home');
  mkdirSync(dnsHome, { recursive: true });
  const fake: State = emptyState();
  for (let e = 0; e < 200; e++) {
    const services: State['hosts'][string]['environments'][string]['services'] = {};
    for (let s = 0; s < 5; s++)
      services[`s${s}`] = {
        name: `s${s}`,
        dns_name: `s${s}.e${e}.test`,
        addresses: [`10.230.${e}.${s + 2}`],
        replicas: 1,
      };
    fake.hosts.local!.environments[`p/e${e}`] = {
      name: `e${e}`,
      project: 'p',
      created_at: '',
      subnet: `10.230.${e}.0/24`,
      status: 'running',
      source: '/x',
      services,
      shared_networks: [],
    };
  }
  syncHostsDir(dnsHome, await updateState(dnsHome, (s) => Object.assign(s, fake)));
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
    record(['dns: 1,000 sequential queries', '', fmt(ms), '', `${Math.round(1000 / (ms / 1000))} queries/s`]);
  } finally {
    execFileSync(CILO, ['dns', 'stop'], { env: dnsEnv, stdio: 'ignore' });
  }

  // A big state: 500 environments x 5 services. `cilo list --json` (a whole process) and one DNS render.
  const big = bigState();
  const listTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t1 = performance.now();
    const r = spawnSync(CILO, ['list', '--json'], {
      env: bigEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    listTimes.push(performance.now() - t1);
    if (r.status !== 0 || (JSON.parse(String(r.stdout)) as { environments: unknown[] }).environments.length !== 500)
      throw new Error('cilo list --json failed');
  }
  record(['state: cilo list --json, 500 envs x 5', '', fmt(median(listTimes)), '', 'whole process']);
  const renders: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    rmSync(join(bigHome, 'dns'), { recursive: true, force: true });
    const t1 = performance.now();
    syncHostsDir(bigHome, big);
    renders.push(performance.now() - t1);
  }
  record(['dns: render 500 envs x 5 (2,500 names)', '', fmt(median(renders)), '', 'all 500 files written']);

  // Locked updates from 20 processes at once (25 read-increment-writes each): total throughput.
  const lockHome20 = join(home, 'lock20');
  mkdirSync(lockHome20, { recursive: true });
  const worker = join(ROOT, 'test', 'state', 'fixtures', 'state-worker.mjs');
  const workers = Array.from(
    { length: 20 },
    (_, i) =>
      new Promise<void>((res, rej) => {
        const child = spawn('node', [worker, 'increment', lockHome20, String(i), '25'], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`worker ${i} exited ${code}`))));
      }),
  );
  await new Promise((r) => setTimeout(r, 1500)); // let all 20 start and wait at the barrier
  const t20 = performance.now();
  writeFileSync(join(lockHome20, 'go'), '');
  await Promise.all(workers);
  const ms20 = performance.now() - t20;
  const total = (JSON.parse(readFileSync(join(lockHome20, 'state.json'), 'utf8')) as { subnet_counter: number })
    .subnet_counter;
  if (total !== 500) throw new Error(`20 x 25 updates ended at ${total}`);
  record([
    'state: 20 processes x 25 locked updates',
    '',
    fmt(ms20),
    '',
    `${Math.round(500 / (ms20 / 1000))} updates/s, none lost`,
  ]);

  // One locked state update (flock + fresh read + fsync'd atomic write), in process.
  const lockHome = join(home, 'lock-home');
  const n = 500;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await updateState(lockHome, (s) => void s.subnet_counter++);
  record(['state: one locked update', '', fmt((performance.now() - t0) / n), '', `${n} sequential updates`]);

  const widths = [0, 1, 2, 3, 4].map((i) =>
    Math.max(
      ...[['figure', 'docker compose', 'cilo', 'added', 'ratio / note'], ...rows].map((r) => (r[i] ?? '').length),
    ),
  );
  for (const r of [['figure', 'docker compose', 'cilo', 'added', 'ratio / note'], ...rows])
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(home, { recursive: true, force: true }));
