// `npm run bench`, an engine reached over ssh (docs/DESIGN.md §7, "An engine on another machine"), on the
// rig's (scripts/engine-remote.sh; started here when it is not running, and removed again): managed `up -d`
// against plain Compose on the same engine; from `up -d` returning to the first answer on a forwarded port;
// a 100 MB download through cilo's forward against `ssh -L` by hand.
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compare, fmt, median, time, upThenDown, type Row } from './measure.js';

export interface RemoteOptions {
  shim: string;
  cilo: string;
  root: string;
  env: NodeJS.ProcessEnv;
  runs: number;
  row: Row;
}

const REMOTE = 'ssh://root@cilo-remote';
const BIG = 100 * 1024 * 1024;

/** GET http://127.0.0.1:port/path: the number of bytes of a 200 answer (0 when nothing answers). */
function bytes(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 60_000 }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(res.statusCode === 200 ? n : 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function download(port: number): Promise<number> {
  const t0 = performance.now();
  const n = await bytes(port, '/big');
  if (n !== BIG) throw new Error(`127.0.0.1:${port}/big gave ${n} bytes, not ${BIG}`);
  return performance.now() - t0;
}

const webPort = (o: RemoteOptions, env: NodeJS.ProcessEnv, name: string) =>
  (
    JSON.parse(execFileSync(o.cilo, ['status', name, '--json'], { env, encoding: 'utf8' })) as {
      services: { name: string; ports: { host_port: number | null }[] }[];
    }
  ).services.find((s) => s.name === 'web')!.ports[0]!.host_port!;

/** The first answer on `port` after `up -d` returned, for each of `runs` down/up. */
async function lags(o: RemoteOptions, env: NodeJS.ProcessEnv, webapp: string, name: string): Promise<number[]> {
  const out: number[] = [];
  const port = webPort(o, env, name); // kept across down and up
  for (let i = 0; i < o.runs; i++) {
    time(o.shim, ['-p', name, 'down'], webapp, env);
    time(o.shim, ['-p', name, 'up', '-d'], webapp, env);
    const t0 = performance.now();
    while ((await bytes(port, '/')) === 0)
      if (performance.now() - t0 > 10_000) throw new Error('no answer on the forwarded port within 10 s');
    out.push(performance.now() - t0);
  }
  return out;
}

/** The same 100 MB through cilo's forward and through `ssh -L` by hand, in turn. */
async function throughput(o: RemoteOptions, env: NodeJS.ProcessEnv, name: string): Promise<void> {
  const port = webPort(o, env, name);
  const web = execFileSync(
    'docker',
    ['ps', '-q', '--filter', `label=cilo.env=${name}`, '--filter', 'label=com.docker.compose.service=web'],
    { env, encoding: 'utf8' },
  ).trim();
  execFileSync('docker', ['exec', web, 'sh', '-c', `head -c ${BIG} /dev/zero > /www/big`], { env });
  const byHand = port + 1000;
  const ssh = spawn(
    'ssh',
    ['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${byHand}:127.0.0.1:${port}`, 'root@cilo-remote'],
    { stdio: 'ignore' },
  );
  try {
    const t0 = performance.now();
    while ((await bytes(byHand, '/')) === 0)
      if (performance.now() - t0 > 10_000) throw new Error('ssh -L by hand did not answer within 10 s');
    const viaCilo: number[] = [];
    const viaHand: number[] = [];
    for (let i = 0; i < Math.min(o.runs, 5); i++) {
      viaHand.push(await download(byHand));
      viaCilo.push(await download(port));
    }
    const rate = (ms: number) => `${(BIG / 1024 / 1024 / (ms / 1000)).toFixed(0)} MB/s`;
    const [hand, ours] = [median(viaHand), median(viaCilo)];
    o.row([
      "remote: 100 MB download, ssh -L by hand (left) vs cilo's forward (right)",
      rate(hand),
      rate(ours),
      '',
      `${(hand / ours).toFixed(2)}x of the rate by hand`,
    ]);
  } finally {
    ssh.kill();
  }
}

export async function remote(o: RemoteOptions): Promise<void> {
  const rig = join(o.root, 'scripts', 'engine-remote.sh');
  execFileSync('bash', [rig, 'up'], { stdio: 'ignore' });
  const env = { ...o.env, DOCKER_HOST: REMOTE, CILO_ROUTER: 'on', CILO_PORT_RANGE: '29000-29499' };
  const webapp = join(o.root, 'fixtures', 'webapp');
  const [ours, plain] = [`benchssh${process.pid}`, `benchplain${process.pid}`];
  try {
    time(o.shim, ['-p', ours, 'up', '-d'], webapp, env);
    time(o.shim, ['-p', ours, 'down'], webapp, env);
    compare(
      o.row,
      'remote over ssh: up -d (3 services)',
      () => upThenDown('docker', ['compose', '-p', plain], webapp, env),
      () => upThenDown(o.shim, ['-p', ours], webapp, env),
      o.runs,
    );
    o.row([
      'remote: up returned → first answer on a forwarded port',
      '',
      fmt(median(await lags(o, env, webapp, ours))),
      '',
      'target < 1000 ms',
    ]);
    await throughput(o, env, ours);
  } finally {
    execFileSync(o.cilo, ['destroy', ours], { env, stdio: 'ignore' });
    execFileSync('docker', ['compose', '-p', plain, 'down'], { cwd: webapp, env, stdio: 'ignore' });
    execFileSync('bash', [rig, 'down'], { stdio: 'ignore' });
  }
}
