// `npm run bench`, the access figures (docs/DESIGN.md §7), on the rootless engine of the test rig
// (scripts/engine-rootless.sh; started here when it is not running, and removed again): managed `up -d` in
// `published` access against plain Compose on the same engine; from `up -d` returning to the first answer
// through the router; requests per second through the router against the service's own published port.
import { execFileSync } from 'node:child_process';
import { request, Agent } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compare, fmt, median, time, upThenDown, type Row } from './measure.js';

export interface AccessOptions {
  shim: string;
  cilo: string;
  root: string;
  env: NodeJS.ProcessEnv;
  runs: number;
  row: Row;
}

const RL = 'unix:///run/cilo-rootless/docker.sock';

/** GET at 127.0.0.1:port with `host` as Host; the body ('' when nothing answers). */
function get(port: number, host: string, agent?: Agent): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { Host: host }, agent, timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
    req.end();
  });
}

/** Requests per second of `total` GETs, `width` at a time on kept-alive connections, each body checked. */
async function rps(port: number, host: string, expected: string, total = 2000, width = 8): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: width });
  let left = total;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (left-- > 0)
        if ((await get(port, host, agent)) !== expected) throw new Error(`${host}:${port} answered wrongly`);
    }),
  );
  agent.destroy();
  return total / ((performance.now() - t0) / 1000);
}

const status = (o: AccessOptions, env: NodeJS.ProcessEnv, name: string) =>
  JSON.parse(execFileSync(o.cilo, ['status', name, '--json'], { env, encoding: 'utf8' })) as {
    router: { http_port: number };
    services: { name: string; ports: { host_port: number | null }[] }[];
  };

export async function access(o: AccessOptions): Promise<void> {
  const started = !isUp();
  if (started) execFileSync('bash', [join(o.root, 'scripts', 'engine-rootless.sh'), 'up'], { stdio: 'ignore' });
  const env = { ...o.env, DOCKER_HOST: RL, CILO_ROUTER: 'on', CILO_PORT_RANGE: '28000-28999' };
  const webapp = join(o.root, 'fixtures', 'webapp');
  const [ours, plain] = [`benchpub${process.pid}`, `benchrl${process.pid}`];
  try {
    time(o.shim, ['-p', ours, 'up', '-d'], webapp, env);
    time(o.shim, ['-p', ours, 'down'], webapp, env);
    compare(
      o.row,
      'published: up -d (3 services), rootless engine',
      () => upThenDown('docker', ['compose', '-p', plain], webapp, env),
      () => upThenDown(o.shim, ['-p', ours], webapp, env),
      o.runs,
    );
    const lags: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      time(o.shim, ['-p', ours, 'up', '-d'], webapp, env);
      const t0 = performance.now();
      const port = status(o, env, ours).router.http_port;
      while ((await get(port, `web.${ours}.localhost`)) !== `web of ${ours}\n`)
        if (performance.now() - t0 > 10_000) throw new Error('no answer through the router within 10 s');
      lags.push(performance.now() - t0);
      if (i < o.runs - 1) time(o.shim, ['-p', ours, 'down'], webapp, env);
    }
    o.row(['router: up returned → first routed answer', '', fmt(median(lags)), '', 'target < 1000 ms']);
    const v = status(o, env, ours);
    const direct = v.services.find((s) => s.name === 'web')!.ports[0]!.host_port!;
    const body = `web of ${ours}\n`;
    const viaPort = await rps(direct, `127.0.0.1:${direct}`, body);
    const viaRouter = await rps(v.router.http_port, `web.${ours}.localhost`, body);
    o.row([
      'router: requests/s, published port (left) vs router (right)',
      `${Math.round(viaPort)}/s`,
      `${Math.round(viaRouter)}/s`,
      '',
      `${(viaRouter / viaPort).toFixed(2)}x of the port's rate`,
    ]);
  } finally {
    execFileSync(o.cilo, ['destroy', ours], { env, stdio: 'ignore' });
    execFileSync(o.cilo, ['router', 'stop', '--purge'], { env, stdio: 'ignore' });
    execFileSync('docker', ['compose', '-p', plain, 'down'], { cwd: webapp, env, stdio: 'ignore' });
    if (started) execFileSync('bash', [join(o.root, 'scripts', 'engine-rootless.sh'), 'down'], { stdio: 'ignore' });
  }
}

function isUp(): boolean {
  try {
    execFileSync('docker', ['-H', RL, 'info'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
