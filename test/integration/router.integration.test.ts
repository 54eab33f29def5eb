// The router on the rootful engine of this machine (access `routed`): the same names as on any engine, over
// HTTP and HTTPS (its root from `cilo router trust`); and a router image that cannot be had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { join } from 'node:path';
import {
  BIN_CILO,
  BIN_SHIM,
  cilo,
  ciloCompose,
  ciloEnv,
  cleanupHome,
  dig,
  dockerLines,
  holdPort,
  FIXTURES,
  requireDocker,
  uniqueName,
  waitFor,
  type RunResult,
} from '../helpers.ts';
import type { EnvironmentView } from '../../lib/views/views.ts';
import { homeId } from '../../lib/state/paths.ts';

const WEBAPP = join(FIXTURES, 'webapp');
const ok = (r: RunResult, what: string) => {
  assert.equal(r.exitCode, 0, `${what}: ${r.stderr}`);
  return r;
};

/** GET `url` at 127.0.0.1 (its port), with its host name as Host and, for https, as the TLS name. */
function get(url: string, ca?: string): Promise<string> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  const options = {
    host: '127.0.0.1',
    port,
    path: u.pathname,
    headers: { Host: u.host },
    timeout: 5000,
    servername: u.hostname,
    ca,
  };
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : request)(options, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode} ${body}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

test(
  'routed access: the router serves <service>.<env>.localhost over HTTP and HTTPS, trusted through cilo router trust',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await ciloEnv(t, { CILO_DNS: 'off', CILO_ROUTER: 'on', CILO_PORT_RANGE: '35000-35099' });
    const n = uniqueName('rt');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up');
    const v = JSON.parse(ok(await cilo(['status', n, '--json'], { env: ce.env }), 'status').stdout) as EnvironmentView;
    assert.equal(v.access, 'routed');
    const web = v.services.find((s) => s.name === 'web')!;
    assert.equal(web.ports[0]!.host_port, null, 'routed: nothing published');
    const body = await waitFor(`${web.url} through the router`, () => get(web.url!).catch(() => undefined), 30_000);
    assert.equal(body, `web of ${n}\n`);
    const ca = ok(await cilo(['router', 'trust'], { env: ce.env }), 'router trust').stdout;
    assert.match(ca, /^-----BEGIN CERTIFICATE-----\n/);
    const https = web
      .url!.replace('http://', 'https://')
      .replace(`:${v.router!.http_port}/`, `:${v.router!.https_port}/`)
      .replace(/localhost\/$/, `localhost:${v.router!.https_port}/`);
    assert.equal(
      await waitFor(https, () => get(https, ca).catch(() => undefined), 30_000),
      `web of ${n}\n`,
      'HTTPS, by the trusted root',
    );

    const stopped = ok(await cilo(['router', 'stop'], { env: ce.env }), 'router stop');
    assert.match(stopped.stderr, /route\(s\) of running environments no longer answer/);
    const after = JSON.parse(ok(await cilo(['router', 'status', '--json'], { env: ce.env }), 'status').stdout) as {
      container: string;
    };
    assert.equal(after.container, 'absent');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up again');
    assert.equal(
      await waitFor(`${https} after the router came back`, () => get(https, ca).catch(() => undefined), 30_000),
      `web of ${n}\n`,
      'the next up starts it again, with the same root (its volume was kept)',
    );
    ok(await cilo(['router', 'stop', '--purge'], { env: ce.env }), 'router stop --purge');
    const volume = `cilo-router-${homeId(ce.home)}-data`;
    assert.ok(!dockerLines(['volume', 'ls', '-q']).includes(volume), `${volume} is gone`);
    const purged = JSON.parse(ok(await cilo(['router', 'status', '--json'], { env: ce.env }), 'status').stdout) as {
      ports: unknown;
    };
    assert.equal(purged.ports, null, 'its ports are free again');
  },
);

test(
  "a container of the router's name that cilo did not make is never started or removed: up says so",
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    const ce = await ciloEnv(t, { CILO_DNS: 'off', CILO_ROUTER: 'on', CILO_PORT_RANGE: '35500-35599' });
    const name = `cilo-router-${homeId(ce.home)}`;
    t.after(() => dockerLines(['rm', '-f', name]));
    dockerLines(['create', '--name', name, '--label', `cilo.test=${name}`, 'cilo-fixture:busybox', 'sleep', '1000']);
    const n = uniqueName('squat');
    const r = await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env });
    assert.match(
      r.stderr,
      /a container named cilo-router-\w+ exists, and it is not the router cilo made for this home/,
    );
    assert.deepEqual(
      dockerLines(['inspect', '--format', '{{.State.Status}} {{index .Config.Labels "cilo.test"}}', name]),
      [`created ${name}`],
    );
  },
);

test(
  'a router image that cannot be had: up succeeds, says so once and names the fix',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    // A registry on a closed port of this machine: the pull fails at once, and nothing leaves it.
    const ce = await ciloEnv(t, { CILO_DNS: 'off', CILO_ROUTER: 'on', CILO_ROUTER_IMAGE: '127.0.0.1:9/none/router:1' });
    const [a, b] = [uniqueName('ni'), uniqueName('nj')];
    const first = ok(await ciloCompose(['-p', a, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'first up');
    assert.match(first.stderr, /the router image 127\.0\.0\.1:9\/none\/router:1 cannot be had/);
    assert.match(first.stderr, /set CILO_ROUTER_IMAGE to an image of Caddy 2 you have/);
    const second = ok(await ciloCompose(['-p', b, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'second up');
    assert.doesNotMatch(second.stderr, /cannot be had/, 'said once');
    const v = JSON.parse(ok(await cilo(['status', b, '--json'], { env: ce.env }), 'status').stdout) as EnvironmentView;
    assert.equal(v.status, 'running');
  },
);

test(
  "the router's ports: never one a program of the host holds; ports taken while it was stopped move, and it says so",
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    // The wanted HTTP port and the range's first are held by programs that are not cilo's.
    await holdPort(t, 35200);
    await holdPort(t, 35210);
    const ce = await ciloEnv(t, {
      CILO_DNS: 'off',
      CILO_ROUTER: 'on',
      CILO_ROUTER_PORT: '35200',
      CILO_ROUTER_HTTPS_PORT: '35201',
      CILO_PORT_RANGE: '35210-35229',
    });
    const n = uniqueName('rp');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up');
    const routerStatus = async () =>
      JSON.parse(ok(await cilo(['router', 'status', '--json'], { env: ce.env }), 'router status').stdout) as {
        ports: { http: number; https: number };
      };
    const first = (await routerStatus()).ports;
    assert.deepEqual(first, { http: 35211, https: 35201 }, 'held ports skipped, the free HTTPS one kept');
    const url = `http://web.${n}.localhost:${first.http}/`;
    assert.equal(await waitFor(url, () => get(url).catch(() => undefined), 30_000), `web of ${n}\n`);

    ok(await cilo(['router', 'stop'], { env: ce.env }), 'router stop');
    await holdPort(t, first.http);
    const again = ok(await cilo(['up', n], { env: ce.env }), 'cilo up');
    assert.match(again.stderr, /the router's ports 35211, 35201 are taken on this host: it moves to/);
    const moved = (await routerStatus()).ports;
    assert.notEqual(moved.http, first.http);
    const movedUrl = `http://web.${n}.localhost:${moved.http}/`;
    assert.equal(await waitFor(movedUrl, () => get(movedUrl).catch(() => undefined), 30_000), `web of ${n}\n`);
  },
);

/**
 * The TCP ports listened on in the network namespace of process `pid` (/proc/PID/net/tcp{,6}, state 0A), but
 * on its loopback (Docker's embedded DNS server listens on 127.0.0.11 there): what other containers can reach.
 */
function listening(pid: number): number[] {
  const loopback = (hexAddress: string) =>
    hexAddress.length === 8 ? hexAddress.endsWith('7F') : hexAddress === '00000000000000000000000001000000';
  const ports = ['tcp', 'tcp6'].flatMap((f) =>
    readFileSync(`/proc/${pid}/net/${f}`, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === '0A' && !loopback(c[1]!.split(':')[0]!))
      .map((c) => parseInt(c[1]!.split(':')[1]!, 16)),
  );
  return [...new Set(ports)].sort((a, b) => a - b);
}

test('the router is sealed: its admin API listens on no TCP port, no other account reaches it, the config is pushed through the engine', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off', CILO_ROUTER: 'on', CILO_PORT_RANGE: '35300-35399' });
  const n = uniqueName('seal');
  ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up');
  const router = `cilo-router-${homeId(ce.home)}`;
  const pid = Number(dockerLines(['inspect', '--format', '{{.State.Pid}}', router])[0]);
  // Inside the router (the namespace every copy's containers reach it in): HTTP and HTTPS only.
  assert.deepEqual(listening(pid), [80, 443], 'no admin listener a container of a copy could reach');
  // On this host: the two published ports, nothing else.
  const published = dockerLines(['port', router]).map((l) => l.split(' -> ')[0]);
  assert.deepEqual(published.sort(), ['443/tcp', '80/tcp']);
  // Another account (no access to the engine) cannot read the config or load one: the engine refuses it.
  // (Only root can act as another account: the suite as a user leaves this to the root suite.)
  if (process.getuid?.() === 0) {
    const asNobody = spawnSync('runuser', ['-u', 'nobody', '--', 'docker', 'exec', router, 'caddy', 'version'], {
      encoding: 'utf8',
    });
    assert.notEqual(asNobody.status, 0);
    assert.match(asNobody.stderr, /permission denied/i);
  }
  // The user's cilo still changes it: a second environment's route answers, and status reads the config back.
  const m = uniqueName('seal');
  ok(await ciloCompose(['-p', m, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up of a second');
  const v = JSON.parse(ok(await cilo(['status', m, '--json'], { env: ce.env }), 'status').stdout) as EnvironmentView;
  const url = v.services.find((s) => s.name === 'web')!.url!;
  assert.equal(await waitFor(url, () => get(url).catch(() => undefined), 30_000), `web of ${m}\n`);
  const status = JSON.parse(
    ok(await cilo(['router', 'status', '--json'], { env: ce.env }), 'router status').stdout,
  ) as {
    current: boolean | null;
  };
  assert.equal(status.current, true, 'the config it runs, read back through the engine, is the one cilo pushed');
  ok(await cilo(['router', 'stop', '--purge'], { env: ce.env }), 'router stop --purge');
});

test(
  'two accounts on one machine: each its own router and DNS server, on ports of its own, recorded and shown',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    // Only root can act as a second account (the suite as a user leaves this to the root suite).
    if (process.getuid?.() !== 0) return t.skip('acting as another account needs root');
    // Both ask for the same router ports and neither names a DNS port: the second account's move.
    const want = { CILO_ROUTER: 'on', CILO_ROUTER_PORT: '35400', CILO_ROUTER_HTTPS_PORT: '35401' };
    const a = await ciloEnv(t, { ...want, CILO_PORT_RANGE: '35410-35429' });
    delete a.env.CILO_DNS_PORT;
    // Account b: nobody, in the engine socket's group, with a home of its own.
    const dir = mkdtempSync(join(tmpdir(), 'cilo-test-'));
    const bHome = join(dir, 'home');
    t.after(() => {
      try {
        cleanupHome(join(bHome, 'cilo'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    chmodSync(dir, 0o755);
    mkdirSync(bHome, { mode: 0o700 });
    chownSync(bHome, 65534, 65534);
    const socket = statSync('/var/run/docker.sock');
    // A second account reaches the engine through its socket's group (Podman's socket is root's alone).
    if ((socket.mode & 0o060) !== 0o060) return t.skip("the engine's socket is open to no group");
    const group = socket.gid;
    const bEnv = {
      PATH: process.env.PATH,
      HOME: bHome,
      CILO_HOME: join(bHome, 'cilo'),
      CILO_ROUTER_IMAGE: a.env.CILO_ROUTER_IMAGE,
      CILO_PORT_RANGE: '35430-35449',
      NO_COLOR: '1',
      ...want,
    };
    const asB = (bin: string, args: string[], cwd = dir) =>
      execa('setpriv', ['--reuid=65534', '--regid=65534', `--groups=${group}`, bin, ...args], {
        env: bEnv,
        extendEnv: false,
        cwd,
        reject: false,
      });
    const [na, nb] = [uniqueName('aa'), uniqueName('ab')];
    ok(await ciloCompose(['-p', na, 'up', '-d'], { cwd: WEBAPP, env: a.env }), 'up as root');
    const upB = await asB(BIN_SHIM, ['-p', nb, 'up', '-d'], WEBAPP);
    assert.equal(upB.exitCode, 0, upB.stderr);
    assert.match(upB.stderr, /port \d+ is held by .*: this account's DNS server listens on 127\.0\.0\.1:\d+/);

    const routerA = JSON.parse(ok(await cilo(['router', 'status', '--json'], { env: a.env }), 'a').stdout);
    const routerB = JSON.parse((await asB(BIN_CILO, ['router', 'status', '--json'])).stdout);
    assert.deepEqual(routerA.ports, { http: 35400, https: 35401 }, 'the first account has the ports it asked for');
    assert.ok(routerB.ports.http >= 35430 && routerB.ports.http <= 35449, `b's router: ${routerB.ports.http}`);
    const dnsA = JSON.parse(ok(await cilo(['dns', 'status', '--json'], { env: a.env }), 'dns a').stdout);
    const dnsB = JSON.parse((await asB(BIN_CILO, ['dns', 'status', '--json'])).stdout);
    assert.ok(dnsA.answering && dnsB.answering, 'both DNS servers answer');
    assert.notEqual(dnsA.port, dnsB.port);
    for (const [n, port, dns, view] of [
      [na, routerA.ports.http, dnsA.port, await cilo(['status', na, '--json'], { env: a.env })],
      [nb, routerB.ports.http, dnsB.port, await asB(BIN_CILO, ['status', nb, '--json'])],
    ] as const) {
      const web = (JSON.parse(view.stdout) as EnvironmentView).services.find((s) => s.name === 'web')!;
      assert.equal(web.url, `http://web.${n}.localhost:${port}/`, `${n}'s URL: its account's router`);
      assert.equal(await waitFor(web.url, () => get(web.url!).catch(() => undefined), 30_000), `web of ${n}\n`);
      assert.deepEqual((await dig(`web.${n}.test`, dns)).addresses, web.addresses, `${n} on its account's DNS`);
    }
    assert.equal(
      (await dig(`web.${na}.test`, dnsB.port)).status,
      'NXDOMAIN',
      "one account's names are not the other's",
    );
  },
);
