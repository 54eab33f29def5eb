// `published` access on a real rootless engine (scripts/engine-rootless.sh), whose container addresses this
// host cannot reach: every port a service's files publish is on 127.0.0.1 at a port cilo chooses, and the
// router (Caddy, the image scripts/setup-host.sh builds) serves <service>.<env>.localhost. Traffic goes to
// 127.0.0.1 only; bodies are asserted, never just status codes (docs/TEST-RIG.md, "A trap").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  holdPort,
  loopbackBody,
  loopbackGet,
  FIXTURES,
  requireDocker,
  ROOT,
  uniqueName,
  waitFor,
  type CiloEnv,
  type RunResult,
} from '../helpers.ts';
import type { ConnectionView, EnvironmentView } from '../../lib/views/views.ts';

// The rig's rootless Docker, or the rootless engine the matrix started for this file (scripts/test-matrix.sh:
// Podman 5), named as its users name it.
const OTHER = process.env.CILO_TEST_PUBLISHED_HOST || undefined;
const RL = OTHER ?? 'unix:///run/cilo-rootless/docker.sock';
const WEBAPP = join(FIXTURES, 'webapp');
let rig = false;

before(() => {
  if ((process.env.CILO_SKIP_INTEGRATION === '1' && !process.env.CI) || OTHER) return;
  // Started for this suite (as root), or before it by root for an ordinary user (scripts/test-as-user.sh).
  if (spawnSync('docker', ['-H', RL, 'info'], { stdio: 'ignore' }).status === 0 && process.getuid?.() !== 0) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'engine-rootless.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
  rig = true;
});
after(() => {
  if (rig)
    execFileSync('bash', [join(ROOT, 'scripts', 'engine-rootless.sh'), 'down'], { stdio: 'inherit', timeout: 180_000 });
});

const ok = (r: RunResult, what: string) => {
  assert.equal(r.exitCode, 0, `${what}: ${r.stderr}`);
  return r;
};

/** A home on the rootless engine, with the router, and ports of a range of its own. */
const home = (t: Parameters<typeof ciloEnv>[0], range = '31000-31999') =>
  ciloEnv(t, { DOCKER_HOST: RL, CILO_DNS: 'off', CILO_ROUTER: 'on', CILO_PORT_RANGE: range });

const status = async (ce: CiloEnv, name: string) =>
  JSON.parse(ok(await cilo(['status', name, '--json'], { env: ce.env }), `status ${name}`).stdout) as EnvironmentView;

// The page at a URL as a browser on this host reaches it (127.0.0.1, the URL's host name as Host).
const [get, body] = [loopbackGet, loopbackBody];

test(
  'two copies of webapp: each port on its own host port with its own body, names through the router, every URL of cilo env answers',
  { timeout: 600_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await home(t);
    const [a, b] = [uniqueName('pa'), uniqueName('pb')];
    for (const n of [a, b]) ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), `up ${n}`);
    const seen = new Set<number>();
    for (const n of [a, b]) {
      const v = await status(ce, n);
      assert.equal(v.access, 'published', 'a rootless engine: published');
      for (const s of v.services.filter((x) => x.name !== 'worker')) {
        const [p] = s.ports;
        assert.ok(p && p.host_port !== null && p.host_ip === '127.0.0.1', `${n}/${s.name} is published`);
        assert.ok(
          !seen.has(p.host_port) && p.host_port >= 31000 && p.host_port <= 31999,
          `${p.host_port} from the range, once`,
        );
        seen.add(p.host_port);
        assert.equal(await body(`http://127.0.0.1:${p.host_port}/`), `${s.name} of ${n}\n`);
        assert.equal(await body(s.url!), `${s.name} of ${n}\n`, `${s.url} through the router`);
      }
      const env = JSON.parse(
        ok(await cilo(['env', n, '--format', 'json'], { env: ce.env }), 'env').stdout,
      ) as ConnectionView;
      assert.equal(env.variables.WEB_HOST, '127.0.0.1');
      for (const [k, url] of Object.entries(env.variables).filter(([k]) => k.endsWith('_URL')))
        assert.match(await body(url), new RegExp(`of ${n}\\n$`), k);
      const dotenv = ok(await cilo(['env', n], { env: ce.env }), 'env').stdout;
      assert.match(dotenv, new RegExp(`^WEB_PORT=${env.variables.WEB_PORT}$`, 'm'));
    }
    const unknown = await get(`http://nothing.${a}.localhost:${(await status(ce, a)).router!.http_port}/`);
    assert.equal(unknown.status, 404);
    assert.match(
      unknown.body,
      new RegExp(`no environment serves nothing\\.${a}\\.localhost[\\s\\S]*\\n  ${a}\\n  ${b}\\n`),
      'the 404 page lists the environments',
    );
  },
);

test('a plain TCP service answers on its published port', { timeout: 300_000 }, async (t) => {
  if (!requireDocker(t)) return;
  const ce = await home(t);
  const n = uniqueName('tcp');
  ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: join(FIXTURES, 'tcp'), env: ce.env }), 'up');
  const port = (await status(ce, n)).services[0]!.ports[0]!.host_port!;
  const line = await waitFor(
    'the TCP service to answer',
    async () => {
      try {
        return execFileSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; head -1 <&3`], {
          encoding: 'utf8',
          timeout: 5000,
        });
      } catch {
        return undefined;
      }
    },
    30_000,
  );
  assert.equal(line, `tcp of ${n}\n`);
});

test(
  'ports are kept across down and up, a second up -d and cilo up; a port the host holds is skipped, and said',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await home(t, '32000-32099');
    await holdPort(t, 32000);
    const n = uniqueName('keep');
    const first = ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up');
    assert.match(first.stderr, /port 32000\/tcp on 127\.0\.0\.1 is in use on this host.*skipped/);
    const ports = async () =>
      (await status(ce, n)).services.flatMap((s) => s.ports.map((p) => `${s.name}:${p.target}=${p.host_port}`));
    const before = await ports();
    assert.ok(!before.some((p) => p.endsWith('=32000')), `32000 is held: ${before.join(' ')}`);
    ok(await ciloCompose(['-p', n, 'down'], { cwd: WEBAPP, env: ce.env }), 'down');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up after down');
    assert.deepEqual(await ports(), before, 'after down and up');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up again');
    assert.deepEqual(await ports(), before, 'after a second up -d');
    ok(await cilo(['up', n], { env: ce.env }), 'cilo up');
    assert.deepEqual(await ports(), before, 'after cilo up');
    const web = (await status(ce, n)).services.find((s) => s.name === 'web')!;
    assert.equal(await body(`http://127.0.0.1:${web.ports[0]!.host_port}/`), `web of ${n}\n`);
  },
);

/** Runs `fn` on every item, `width` at a time. */
async function inWaves<T, R>(items: readonly T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

test(
  '50 environments with two published ports each: no collision, every port answers; destroying them frees the ports and their names answer 404 as soon as destroy returns',
  { timeout: 1_800_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await home(t, '33000-33999');
    const names = Array.from({ length: 50 }, () => uniqueName('many'));
    const ups = await inWaves(names, 10, (n) => ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }));
    ups.forEach((r, i) => ok(r, `up ${names[i]}`));
    const all: number[] = [];
    const urls: string[] = [];
    for (const n of names) {
      const v = await status(ce, n);
      for (const s of v.services.filter((x) => x.name !== 'worker')) {
        all.push(s.ports[0]!.host_port!);
        assert.equal(await body(`http://127.0.0.1:${s.ports[0]!.host_port}/`), `${s.name} of ${n}\n`);
        urls.push(s.url!);
      }
    }
    assert.equal(new Set(all).size, 100, 'a hundred ports, no collision');
    const downs = await inWaves(names, 10, (n) => cilo(['destroy', n], { env: ce.env }));
    downs.forEach((r, i) => ok(r, `destroy ${names[i]}`));
    // Asked once each, at once: the router had its new routes before the destroys returned (no wait, no retry).
    for (const url of urls.slice(0, 10)) {
      const r = await get(url).catch((e: Error) => ({ status: 0, body: e.message }));
      assert.ok(
        r.status === 404 && /no environment serves/.test(r.body),
        `${url} is still served: ${r.status} ${r.body}`,
      );
    }
    const state = JSON.parse(ok(await cilo(['list', '--json'], { env: ce.env }), 'list').stdout) as {
      environments: unknown[];
    };
    assert.deepEqual(state.environments, [], 'their ports went with them');
  },
);

/** A request held open through the router: the slow body of the stream fixture (`lines` half a second apart). */
function slowGet(url: string, lines: number): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(u.port || 80),
        path: `/slow/${lines}`,
        headers: { Host: u.host },
        timeout: 120_000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('the slow answer stalled for 120 s')));
    req.on('error', reject);
    req.end();
  });
}

/** An `Upgrade: websocket` request through the router: resolves with what the upgraded connection echoes. */
function upgrade(url: string, message: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: Number(u.port || 80),
      path: '/',
      headers: {
        Host: u.host,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
      timeout: 10_000,
    });
    req.on('upgrade', (res, socket) => {
      if (res.statusCode !== 101) return reject(new Error(`answered ${res.statusCode}`));
      socket.once('data', (d: Buffer) => {
        resolve(d.toString());
        socket.destroy();
      });
      socket.write(message);
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('timeout', () => req.destroy(new Error('no upgrade within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

test(
  'a connection held open survives 10 route changes; a WebSocket-style Upgrade passes',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await home(t, '34000-34099');
    const [s, other] = [uniqueName('st'), uniqueName('ot')];
    ok(await ciloCompose(['-p', s, 'up', '-d'], { cwd: join(FIXTURES, 'stream'), env: ce.env }), 'up stream');
    ok(await ciloCompose(['-p', other, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up other');
    const url = (await status(ce, s)).services[0]!.url!;
    await waitFor('the stream service behind the router', () => upgrade(url, 'hello\n').catch(() => undefined), 30_000);
    assert.equal(await upgrade(url, 'ping\n'), 'ping\n', 'the upgraded connection echoes');
    // While one answer is on its way (100 lines, 50 s), the routes change ten times: the other environment
    // goes and comes. The answer must still be arriving when the last change is done.
    let done = false;
    const slow = slowGet(url, 100).then((text) => ((done = true), text));
    const started = Date.now();
    for (let i = 0; i < 10; i++) ok(await cilo([i % 2 ? 'up' : 'down', other], { env: ce.env }), `route change ${i}`);
    assert.equal(done, false, `the answer was still open after the 10 route changes (${Date.now() - started} ms)`);
    const expected = Array.from({ length: 100 }, (_, i) => `chunk-${String(i).padStart(3, '0')}\n`).join('');
    assert.equal(await slow, expected, 'the whole slow answer, intact');
  },
);

test(
  'the router killed: doctor reports it, doctor --fix brings it back with every route',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await home(t, '34100-34199');
    const n = uniqueName('rk');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up');
    const web = (await status(ce, n)).services.find((s) => s.name === 'web')!;
    assert.equal(await body(web.url!), `web of ${n}\n`);
    const router = execFileSync('docker', ['ps', '-q', '--filter', 'label=cilo.router'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: RL },
    })
      .trim()
      .split('\n');
    execFileSync('docker', ['kill', ...router], { env: { ...process.env, DOCKER_HOST: RL }, stdio: 'ignore' });
    const found = await cilo(['doctor', '--json'], { env: ce.env });
    assert.equal(found.exitCode, 1);
    assert.deepEqual(
      JSON.parse(found.stdout).findings.map((f: { kind: string }) => f.kind),
      ['router-down'],
    );
    const fixed = ok(await cilo(['doctor', '--fix', '--json'], { env: ce.env }), 'doctor --fix');
    assert.equal(JSON.parse(fixed.stdout).findings[0].fixed, true);
    assert.equal(await body(web.url!), `web of ${n}\n`, 'its route is back');
    ok(await cilo(['doctor'], { env: ce.env }), 'no drift left');
  },
);

test(
  'shared networks: a consumer reaches the publisher by name over the shared network; both answer on their published ports',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await home(t, '34200-34299');
    const [db, fe] = [uniqueName('sdb'), uniqueName('sfe')];
    const shared = `cilo-shared-${db}`;
    ok(await cilo(['create', db, '--from', join(FIXTURES, 'db')], { env: ce.env }), `create ${db}`);
    ok(await cilo(['up', db, '--create-shared'], { env: ce.env }), `up ${db} --create-shared`);
    ok(
      await cilo(['create', fe, '--from', join(FIXTURES, 'frontend'), '--shared-network', shared], { env: ce.env }),
      `create ${fe}`,
    );
    ok(await cilo(['up', fe], { env: ce.env }), `up ${fe}`);
    const engine = { ...process.env, DOCKER_HOST: RL };
    const app = execFileSync(
      'docker',
      ['ps', '-q', '--filter', `label=cilo.env=${fe}`, '--filter', 'label=com.docker.compose.service=app'],
      {
        encoding: 'utf8',
        env: engine,
      },
    ).trim();
    assert.ok(app, `the app container of ${fe}`);
    const fromApp = await waitFor(
      `postgres.${db}.test to answer inside ${fe}'s app`,
      () => {
        const r = spawnSync('docker', ['exec', app, 'wget', '-qO-', `http://postgres.${db}.test/`], {
          encoding: 'utf8',
          env: engine,
          timeout: 10_000,
        });
        return r.status === 0 ? r.stdout : undefined;
      },
      60_000,
    );
    assert.equal(fromApp, `postgres of ${db}\n`);
    for (const [n, service] of [
      [db, 'postgres'],
      [fe, 'app'],
    ] as const) {
      const s = (await status(ce, n)).services.find((x) => x.name === service)!;
      const port = s.ports[0]!.host_port!;
      assert.equal(await body(`http://127.0.0.1:${port}/`), `${service} of ${n}\n`, `${n}/${service} on ${port}`);
      assert.equal(await body(s.url!), `${service} of ${n}\n`, `${s.url} through the router`);
    }
  },
);
