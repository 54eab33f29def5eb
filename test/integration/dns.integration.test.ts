// DNS on the host (DESIGN.md §7): records derived from state, written to a hostsdir and served by cilo's own
// dnsmasq on 127.0.0.1:$CILO_DNS_PORT. Every test has its own CILO_HOME, port and dnsmasq (ciloEnv), and
// queries only 127.0.0.1 and the addresses of the networks it creates.
import { test } from 'node:test';
import { userInfo } from 'node:os';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  BIN_CILO,
  BIN_SHIM,
  cilo,
  ciloCompose,
  ciloEnv,
  composeContainers,
  containerOf,
  dig,
  digUntilGone,
  docker,
  FIXTURES,
  httpGetVia,
  readJson,
  requireDocker,
  sweepEnvironments,
  tempDir,
  uniqueName,
  type RunResult,
  downWithEngineRetry,
} from '../helpers.js';
import { queryA, type DnsAnswer } from '../../lib/dns/query.js';
import { refreshRecords } from '../../lib/dns/hostsdir.js';
import { resolverPlan } from '../../lib/dns/setup.js';
import { StateStore, updateState } from '../../lib/state/store.js';
import { localEnvironments, type Environment, type State } from '../../lib/state/schema.js';

const WEBAPP = join(FIXTURES, 'webapp');
const ODD_NAME = join(FIXTURES, 'shared-test', 'odd-name');
const DEV_SUFFIX = join(FIXTURES, 'shared-test', 'dev-suffix');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ok(r: RunResult, what: string): void {
  assert.equal(r.exitCode, 0, `${what} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

function envInState(home: string, name: string): Environment {
  const state = readJson<State>(join(home, 'state.json'));
  const env = Object.values(localEnvironments(state)).find((e) => e.name === name);
  assert.ok(env, `no environment ${name} in state`);
  return env;
}

const envInStateOrNone = (home: string, name: string) =>
  Object.values(localEnvironments(readJson<State>(join(home, 'state.json')))).some((e) => e.name === name);

/** The address Docker gave a service's container on a network. */
function addressOn(project: string, service: string, network: string): string {
  const id = containerOf(project, service);
  return docker([
    'inspect',
    '--format',
    `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
    id,
  ]).trim();
}

/** Asserts NAME answers exactly [address] through cilo's dnsmasq, with no retry. */
async function assertResolves(port: number, name: string, address: string): Promise<void> {
  const d = await dig(name, port);
  assert.deepEqual(d, { status: 'NOERROR', addresses: [address] }, `dig ${name} @127.0.0.1 -p ${port}`);
}

/** Asserts NAME answers NXDOMAIN, at once or within 10 s (a removal reaches dnsmasq a moment later). */
async function assertNxdomain(port: number, name: string): Promise<void> {
  const d = await digUntilGone(name, port);
  assert.deepEqual(d, { status: 'NXDOMAIN', addresses: [] }, `dig ${name} @127.0.0.1 -p ${port} for 10 s`);
}

/**
 * Resolves NAME with cilo's dnsmasq (lib/dns/query.ts), then GETs http://<address>/ with that Host header.
 * The server in the container may need a moment after `up` returns, so the HTTP part (only) is retried.
 */
async function fetchByName(port: number, name: string): Promise<string> {
  const answer = await queryA(name, port, { timeoutMs: 2000 });
  assert.equal(answer.rcode, 0, `${name}: rcode ${answer.rcode}`);
  assert.equal(answer.addresses.length, 1, `${name}: ${answer.addresses.join(', ')}`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await httpGetVia(answer.addresses[0]!, name);
      if (r.status === 200) return r.body.trim();
      if (Date.now() > deadline) throw new Error(`GET ${name} answered ${r.status}`);
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await sleep(100);
  }
}

async function dnsStatusJson(env: NodeJS.ProcessEnv): Promise<{
  running: boolean;
  pid?: number;
  port: number;
  answering: boolean;
  records: number;
  suffixes: string[];
  port_held_by?: string;
}> {
  const r = await cilo(['dns', 'status', '--json'], { env });
  ok(r, 'cilo dns status --json');
  return JSON.parse(r.stdout);
}

interface Observed extends DnsAnswer {
  name: string;
  sent: number;
  received: number;
  timeout?: boolean;
}

/** Queries `names` in turn until stop() (or `max` answers), `gapMs` apart. */
function queryLoop(port: number, names: string[], opts: { max: number; gapMs: number }) {
  let stopped = false;
  const seen: Observed[] = [];
  const done = (async () => {
    while (!stopped && seen.length < opts.max) {
      for (const name of names) {
        const sent = performance.now();
        try {
          const a = await queryA(name, port, { timeoutMs: 1000 });
          seen.push({ name, ...a, sent, received: performance.now() });
        } catch {
          seen.push({ name, rcode: -1, addresses: [], sent, received: performance.now(), timeout: true });
        }
      }
      if (opts.gapMs > 0) await sleep(opts.gapMs);
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await done;
      return seen;
    },
  };
}

test('records follow up, down and destroy at once; two environments differ; no wrong answer while they change', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const [e1, e2] = [uniqueName('dns'), uniqueName('dns')];
  t.after(() => sweepEnvironments([e1, e2]));
  const compose = (name: string, ...args: string[]) => ciloCompose(['-p', name, ...args], { env, cwd: WEBAPP });

  // e1 through the shim, e2 through cilo create + up; each answers as soon as the command returns.
  ok(await compose(e1, 'up', '-d'), `cilo-compose -p ${e1} up -d`);
  const first = await dig(`web.${e1}.test`, port);
  const addr1 = addressOn(e1, 'web', `cilo-${e1}`);
  assert.deepEqual(first, { status: 'NOERROR', addresses: [addr1] }, `web.${e1}.test right after up`);
  assert.equal(envInState(home, e1).services.web!.ip, addr1);

  ok(await cilo(['create', e2, '--from', WEBAPP], { env }), `cilo create ${e2}`);
  ok(await cilo(['up', e2], { env }), `cilo up ${e2}`);
  const second = await dig(`web.${e2}.test`, port);
  const addr2 = addressOn(e2, 'web', `cilo-${e2}`);
  assert.deepEqual(second, { status: 'NOERROR', addresses: [addr2] }, `web.${e2}.test right after up`);

  await t.test('the two environments resolve to different addresses, each serving its own content', async () => {
    assert.notEqual(addr1, addr2);
    const api1 = addressOn(e1, 'api', `cilo-${e1}`);
    const api2 = addressOn(e2, 'api', `cilo-${e2}`);
    assert.notEqual(api1, api2);
    await assertResolves(port, `api.${e1}.test`, api1);
    await assertResolves(port, `api.${e2}.test`, api2);
    assert.equal(await fetchByName(port, `web.${e1}.test`), `web of ${e1}`);
    assert.equal(await fetchByName(port, `web.${e2}.test`), `web of ${e2}`);
    assert.equal(await fetchByName(port, `api.${e2}.test`), `api of ${e2}`);
  });

  await t.test('dns status, start twice, render', async () => {
    const s = await dnsStatusJson(env);
    assert.equal(s.running, true);
    assert.equal(s.answering, true);
    assert.equal(s.port, port);
    assert.equal(s.records, 6, 'three services in each of two environments');
    assert.deepEqual(s.suffixes, ['test']);
    for (let i = 0; i < 2; i++) {
      const r = await cilo(['dns', 'start'], { env });
      ok(r, 'cilo dns start');
      assert.match(r.stderr, /already running/);
    }
    const after = await dnsStatusJson(env);
    assert.equal(after.pid, s.pid, 'dns start on a running server must not restart it');
    assert.equal(after.answering, true);
    const pids = (
      await execa('pgrep', ['-f', `dnsmasq --conf-file=${join(home, 'dns', 'dnsmasq.conf')}`], { reject: false })
    ).stdout
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(pids, [String(s.pid)], 'exactly one dnsmasq for this CILO_HOME');

    const render = await cilo(['dns', 'render'], { env });
    ok(render, 'cilo dns render');
    const lines = render.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.equal(lines.length, 6, render.stdout);
    assert.ok(lines.includes(`${addr1} web.${e1}.test`), render.stdout);
    assert.ok(lines.includes(`${addr2} web.${e2}.test`), render.stdout);
    for (const l of lines) assert.match(l, /^\d+\.\d+\.\d+\.\d+ [a-z0-9-]+\.[a-z0-9-]+\.test$/);
  });

  await t.test(
    'while both go down and up again, a name answers its own address or NXDOMAIN, nothing else',
    async (t) => {
      const expected: Record<string, string> = { [`web.${e1}.test`]: addr1, [`web.${e2}.test`]: addr2 };
      const loop = queryLoop(port, Object.keys(expected), { max: 700, gapMs: 30 });
      try {
        for (let cycle = 0; cycle < 2; cycle++) {
          const downs = await Promise.all([
            downWithEngineRetry(() => compose(e1, 'down')),
            downWithEngineRetry(() => cilo(['down', e2], { env })),
          ]);
          ok(downs[0], `cilo-compose -p ${e1} down`);
          ok(downs[1], `cilo down ${e2}`);
          await assertNxdomain(port, `web.${e1}.test`);
          await assertNxdomain(port, `web.${e2}.test`);
          const ups = await Promise.all([compose(e1, 'up', '-d'), cilo(['up', e2], { env })]);
          ok(ups[0], `cilo-compose -p ${e1} up -d`);
          ok(ups[1], `cilo up ${e2}`);
          await assertResolves(port, `web.${e1}.test`, addr1);
          await assertResolves(port, `web.${e2}.test`, addr2);
        }
      } finally {
        await loop.stop();
      }
      const seen = loop.seen;
      const wrong = seen.filter(
        (q) =>
          !q.timeout &&
          !(q.rcode === 3 && q.addresses.length === 0) &&
          !(q.rcode === 0 && q.addresses.length === 1 && q.addresses[0] === expected[q.name]),
      );
      assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} wrong answers out of ${seen.length}`);
      const timeouts = seen.filter((q) => q.timeout).length;
      t.diagnostic(
        `${seen.length} queries, ${seen.filter((q) => q.rcode === 3).length} NXDOMAIN, ${timeouts} timed out`,
      );
      assert.ok(timeouts <= seen.length / 100, `${timeouts} of ${seen.length} queries got no answer`);
      for (const name of Object.keys(expected)) {
        assert.ok(
          seen.some((q) => q.name === name && q.rcode === 3),
          `the loop never saw ${name} down (${seen.length} queries)`,
        );
        assert.ok(
          seen.some((q) => q.name === name && q.rcode === 0),
          `the loop never saw ${name} up`,
        );
      }
      assert.ok(seen.length >= 100, `only ${seen.length} queries`);
    },
  );

  await t.test('destroy removes the names at once (running and stopped environments)', async () => {
    ok(await cilo(['destroy', e1], { env }), `cilo destroy ${e1}`);
    for (const s of ['web', 'api', 'worker']) await assertNxdomain(port, `${s}.${e1}.test`);
    await assertResolves(port, `web.${e2}.test`, addr2);
    ok(await cilo(['down', e2], { env }), `cilo down ${e2}`);
    await assertNxdomain(port, `web.${e2}.test`);
    ok(await cilo(['destroy', e2], { env }), `cilo destroy ${e2}`);
    await assertNxdomain(port, `web.${e2}.test`);
    assert.equal((await dnsStatusJson(env)).records, 0);
  });

  await t.test('dns stop: status says not running, nothing answers', async () => {
    const stop = await cilo(['dns', 'stop'], { env });
    ok(stop, 'cilo dns stop');
    assert.match(stop.stderr, /stopped/);
    const s = await dnsStatusJson(env);
    assert.equal(s.running, false);
    assert.equal(s.answering, false);
    const text = await cilo(['dns', 'status'], { env });
    ok(text, 'cilo dns status');
    assert.match(text.stdout, /DNS server: not running/);
    assert.match(text.stdout, new RegExp(`127\\.0\\.0\\.1:${port}`));
    await assert.rejects(queryA(`web.${e2}.test`, port, { timeoutMs: 300 }), /no answer/);
    const again = await cilo(['dns', 'stop'], { env });
    ok(again, 'cilo dns stop (not running)');
    assert.match(again.stderr, /was not running/);
  });
});

test('hostsdir churn through updateState and refreshRecords: exact current records or NXDOMAIN, never another environment', async (t) => {
  // Fabricated environments (no containers), written with the same calls observe/destroy use, so the
  // records can change far faster than real ups allow: presence and address sets both change.
  const { home, env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const envs = [uniqueName('fab'), uniqueName('fab')];
  const range = (i: number) => `10.250.${i + 1}.`;
  // Sets chosen so that any mix of two of them (a stale record kept beside a new one) is none of them.
  const sets = (i: number) => [[`${range(i)}10`], [`${range(i)}11`], [`${range(i)}12`, `${range(i)}13`]];
  const names = envs.map((n) => `web.${n}.test`);
  const current = envs.map(() => ({ running: true, set: 0 }));

  const fabricated = (i: number): Environment => ({
    name: envs[i]!,
    project: 'fab',
    created_at: new Date().toISOString(),
    subnet: `${range(i)}0/24`,
    status: current[i]!.running ? 'running' : 'stopped',
    source: '/nonexistent',
    dns_suffix: 'test',
    services: {
      web: {
        name: 'web',
        dns_name: names[i]!,
        addresses: current[i]!.running ? sets(i)[current[i]!.set]! : [],
        replicas: sets(i)[current[i]!.set]!.length,
      },
    },
    shared_networks: [],
  });
  const snapshot = () =>
    Object.fromEntries(names.map((n, i) => [n, current[i]!.running ? [...sets(i)[current[i]!.set]!].sort() : null]));
  const write = async () => {
    await updateState(home, (s) => {
      envs.forEach((n, i) => (localEnvironments(s)[`fab/${n}`] = fabricated(i)));
    });
    await refreshRecords({ home, locks: {}, store: new StateStore(home) });
  };

  await write();
  ok(await cilo(['dns', 'start'], { env }), 'cilo dns start');
  for (const [i, n] of names.entries()) await assertResolves(port, n, sets(i)[0]![0]!);

  const versions: { start: number; end: number; expect: Record<string, string[] | null> }[] = [
    { start: 0, end: performance.now(), expect: snapshot() },
  ];
  const loop = queryLoop(port, names, { max: 700, gapMs: 8 });
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  try {
    for (let step = 0; step < 80; step++) {
      const i = random(2);
      const c = current[i]!;
      if (random(3) === 0) c.running = !c.running;
      else c.set = (c.set + 1 + random(2)) % 3;
      const start = performance.now();
      await write();
      versions.push({ start, end: performance.now(), expect: snapshot() });
      await sleep(30);
    }
  } finally {
    await loop.stop();
  }

  // Never another environment's address, whatever the timing.
  for (const q of loop.seen) {
    const i = names.indexOf(q.name);
    for (const a of q.addresses)
      assert.ok(a.startsWith(range(i)), `${q.name} answered ${a}, an address of another environment`);
  }
  // Exactly the records of a version that was current around the time of the query (a change may take a
  // moment to reach dnsmasq: GRACE), or NXDOMAIN when that version had none.
  const GRACE = 150;
  const wrong: string[] = [];
  let stale = 0;
  let latest = 0;
  for (const q of loop.seen) {
    if (q.timeout) continue;
    const matches = (v: (typeof versions)[number]) => {
      const want = v.expect[q.name];
      return want === null
        ? q.rcode === 3 && q.addresses.length === 0
        : q.rcode === 0 && JSON.stringify(q.addresses) === JSON.stringify(want);
    };
    // The newest version this answer matches, among those written before it arrived.
    let k = versions.length - 1;
    while (k >= 0 && !(versions[k]!.start <= q.received && matches(versions[k]!))) k--;
    const late = k < 0 ? Infinity : k === versions.length - 1 ? 0 : Math.max(0, q.sent - versions[k + 1]!.end);
    if (late > GRACE)
      wrong.push(
        `${q.name} → rcode ${q.rcode} [${q.addresses.join(', ')}]${k < 0 ? ': never the records' : `: replaced ${Math.round(late)} ms before the query`}`,
      );
    else if (late > 0) stale++;
    if (late !== Infinity) latest = Math.max(latest, late);
  }
  const timeouts = loop.seen.filter((q) => q.timeout).length;
  t.diagnostic(
    `${loop.seen.length} queries over ${versions.length - 1} changes: ${stale} answered a version replaced up to ${Math.round(latest)} ms before, ${timeouts} timed out`,
  );
  assert.deepEqual(
    wrong.slice(0, 5),
    [],
    `${wrong.length} wrong answers of ${loop.seen.length} (${stale} merely late)`,
  );
  assert.ok(timeouts <= loop.seen.length / 100, `${timeouts} of ${loop.seen.length} queries got no answer`);
  assert.ok(loop.seen.length >= 200, `only ${loop.seen.length} queries`);
  assert.ok(
    loop.seen[loop.seen.length - 1]!.sent > versions[versions.length - 20]!.start,
    'the queries ran until the last changes',
  );

  // And the final state is served within a second (DESIGN.md §7).
  const final = snapshot();
  const deadline = Date.now() + 1000;
  for (const n of names) {
    for (;;) {
      const d = await dig(n, port);
      const want = final[n];
      const good =
        want === null
          ? d.status === 'NXDOMAIN'
          : d.status === 'NOERROR' && JSON.stringify(d.addresses) === JSON.stringify(want);
      if (good) break;
      assert.ok(
        Date.now() < deadline,
        `${n}: ${JSON.stringify(d)} a second after the last change, want ${JSON.stringify(want)}`,
      );
      await sleep(50);
    }
  }
});

test('dns start on a taken port fails clearly, naming the port and the account that holds it', async (t) => {
  const { env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  t.after(() => socket.close());

  const r = await cilo(['dns', 'start'], { env });
  assert.equal(r.exitCode, 1, r.stderr);
  const holder = `${userInfo().username} \\(uid ${userInfo().uid}\\)`;
  assert.match(r.stderr, new RegExp(`^cilo: error: .*\\bport ${port}\\b.*in use by ${holder}`, 'm'));
  assert.match(r.stderr, /^hint: .*CILO_DNS_PORT/m);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  const s = await dnsStatusJson(env);
  assert.equal(s.running, false, 'no dnsmasq may be left behind');
  assert.match(String(s.port_held_by), new RegExp(`^${holder}$`), 'dns status names who holds the port');
});

test('dns setup --print matches the files it would write and honours CILO_DNS_PORT; non-root writes nothing', async (t) => {
  const { env } = await ciloEnv(t);
  const printed = (stdout: string) => {
    // "# <path>\n<content>" blocks, then "# then run: ..." lines.
    const files: Record<string, string> = {};
    let path: string | undefined;
    const then: string[] = [];
    for (const line of stdout.split('\n')) {
      const m = /^# (\/\S+)$/.exec(line);
      if (m) {
        path = m[1]!;
        files[path] = '';
      } else if (line.startsWith('# then run: ')) then.push(line.slice('# then run: '.length));
      else if (path) files[path] += line + '\n';
    }
    return { files, then };
  };

  for (const port of [Number(env.CILO_DNS_PORT), 5399]) {
    const e = { ...env, CILO_DNS_PORT: String(port) };
    const resolved = await cilo(['dns', 'setup', '--print', '--for', 'systemd-resolved'], { env: e });
    ok(resolved, 'dns setup --print --for systemd-resolved');
    const r = printed(resolved.stdout);
    assert.deepEqual(Object.keys(r.files), ['/etc/systemd/resolved.conf.d/cilo.conf']);
    const dropin = r.files['/etc/systemd/resolved.conf.d/cilo.conf']!;
    assert.match(dropin, /^\[Resolve\]$/m);
    assert.match(dropin, new RegExp(`^DNS=127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.match(dropin, /^Domains=~test$/m);
    assert.deepEqual(r.then, ['systemctl restart systemd-resolved']);
    const plan = resolverPlan('systemd-resolved', port, ['test']);
    assert.deepEqual(
      r.files,
      Object.fromEntries(plan.files.map((f) => [f.path, f.content])),
      'printed text = what a real run writes',
    );

    const mac = await cilo(['dns', 'setup', '--print', '--for', 'macos'], { env: e });
    ok(mac, 'dns setup --print --for macos');
    const m = printed(mac.stdout);
    assert.deepEqual(Object.keys(m.files), ['/etc/resolver/test']);
    assert.match(m.files['/etc/resolver/test']!, /^nameserver 127\.0\.0\.1$/m);
    assert.match(m.files['/etc/resolver/test']!, new RegExp(`^port ${port}$`, 'm'));
    assert.deepEqual(
      m.files,
      Object.fromEntries(resolverPlan('macos', port, ['test']).files.map((f) => [f.path, f.content])),
    );
  }

  await t.test("under sudo: refused, since it would act on root's home", async (t) => {
    if (process.getuid?.() !== 0) return t.skip('only root can be under sudo');
    const r = await cilo(['dns', 'setup', '--for', 'systemd-resolved'], {
      env: { ...env, CILO_HOME: '', HOME: tempDir(t), SUDO_USER: 'alice' },
    });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /'sudo cilo dns setup' would act on root's cilo home .*not on alice's/);
    assert.match(r.stderr, /^hint: run 'cilo dns setup' as alice/m);
  });

  await t.test('as user nobody, without --print: sudo asked for the write, refused, nothing written', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('only root can act as user nobody');
    const setpriv = await execa('setpriv', ['--version'], { reject: false });
    if (setpriv.exitCode !== 0) return t.skip('setpriv is not available to drop root privileges');
    // A CILO_HOME that nobody can read (an empty state), under a directory it can traverse.
    const dir = tempDir(t);
    chmodSync(dir, 0o755);
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o755 });
    const targets = [
      '/etc/resolver/test',
      '/etc/resolver',
      '/etc/systemd/resolved.conf.d/cilo.conf',
      '/etc/systemd/resolved.conf.d',
    ];
    const before = targets.map((p) => (existsSync(p) ? statSync(p).mtimeMs : null));
    for (const kind of ['macos', 'systemd-resolved']) {
      const r = await execa(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', BIN_CILO, 'dns', 'setup', '--for', kind],
        {
          reject: false,
          env: { ...env, CILO_HOME: home, HOME: dir },
          extendEnv: false,
          cwd: dir,
        },
      );
      // It asks sudo, which refuses `nobody` (or is not installed): a user error, nothing written.
      assert.equal(r.exitCode, 1, `${kind}: ${r.stderr}`);
      assert.match(r.stderr, /^cilo: error: .*(needs root, and sudo did not do it|'sudo' was not found)/m);
      assert.doesNotMatch(r.stderr, /internal error/);
    }
    const after = targets.map((p) => (existsSync(p) ? statSync(p).mtimeMs : null));
    assert.deepEqual(after, before, 'no resolver file or directory was created or changed');
  });
});

test('a service name that is not a DNS label gets a normalized name; CILO_DNS=off starts no server', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const name = uniqueName('odd');
  t.after(() => sweepEnvironments([name]));
  const dnsName = `web-server.${name}.test`;

  ok(await cilo(['create', name, '--from', ODD_NAME], { env }), 'cilo create');
  ok(await cilo(['up', name], { env: { ...env, CILO_DNS: 'off' } }), 'cilo up with CILO_DNS=off');
  const s = await dnsStatusJson(env);
  assert.equal(s.running, false, 'CILO_DNS=off: up must not start dnsmasq');
  assert.equal(existsSync(join(home, 'dns', 'dnsmasq.pid')), false);

  const status = await cilo(['status', name], { env });
  ok(status, 'cilo status');
  assert.match(status.stdout, new RegExp(`^Web_Server\\s+${dnsName.replace(/\./g, '\\.')}\\s`, 'm'));
  const view = JSON.parse((await cilo(['status', name, '--json'], { env })).stdout);
  const svc = view.services.find((x: { name: string }) => x.name === 'Web_Server');
  assert.equal(svc.dns_name, dnsName);
  const address = addressOn(name, 'Web_Server', `cilo-${name}`);

  const render = await cilo(['dns', 'render'], { env });
  ok(render, 'cilo dns render');
  assert.equal(render.stdout, `# ${name}\n${address} ${dnsName}`); // execa strips the final newline

  ok(await cilo(['dns', 'start'], { env }), 'cilo dns start');
  await assertResolves(port, dnsName, address);
  assert.equal(await fetchByName(port, dnsName), `Web_Server of ${name}`);
  ok(await cilo(['destroy', name], { env }), 'cilo destroy');
  await assertNxdomain(port, dnsName);
});

test('x-cilo dns-suffix: dev is refused until the user allows it; then it serves names under .dev, NXDOMAIN for unknown ones', async (t) => {
  requireDocker(t);
  const { home, env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const name = uniqueName('sfx');
  t.after(() => sweepEnvironments([name]));
  // `.dev` is a real top-level domain: a repository's files alone cannot have this host answer for it.
  const refused = await ciloCompose(['-p', name, 'up', '-d'], { env, cwd: DEV_SUFFIX });
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(refused.stderr, /x-cilo.dns-suffix "dev" \(compose.yaml\) is not reserved for local use/);
  assert.match(refused.stderr, /export CILO_DNS_SUFFIXES_ALLOWED=dev/);
  assert.equal(existsSync(join(home, 'state.json')) && envInStateOrNone(home, name), false, 'nothing registered');
  assert.equal(docker(['network', 'ls', '-q', '--filter', `name=cilo-${name}`]).trim(), '', 'no network created');
  env.CILO_DNS_SUFFIXES_ALLOWED = 'dev';

  ok(await ciloCompose(['-p', name, 'up', '-d'], { env, cwd: DEV_SUFFIX }), 'cilo-compose up -d');
  const address = addressOn(name, 'web', `cilo-${name}`);
  await assertResolves(port, `web.${name}.dev`, address);
  assert.equal(envInState(home, name).services.web!.dns_name, `web.${name}.dev`);
  await assertNxdomain(port, `nope.${name}.dev`);
  await assertNxdomain(port, `other.dev`);
  await assertNxdomain(port, `web.${name}.test`);
  assert.equal(await fetchByName(port, `web.${name}.dev`), `web of ${name}`);
  assert.ok((await dnsStatusJson(env)).suffixes.includes('dev'));
  const conf = readFileSync(join(home, 'dns', 'dnsmasq.conf'), 'utf8');
  assert.match(conf, /^local=\/dev\/$/m);

  ok(await cilo(['destroy', name], { env }), 'cilo destroy');
  await assertNxdomain(port, `web.${name}.dev`);
});

test('an attached up (no -d) serves its names while Compose runs in the foreground; they go when it stops', async (t) => {
  if (!requireDocker(t)) return;
  const { env } = await ciloEnv(t);
  const port = Number(env.CILO_DNS_PORT);
  const name = uniqueName('att');
  const child = execa(BIN_SHIM, ['-p', name, 'up'], {
    cwd: WEBAPP,
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  t.after(() => {
    child.kill('SIGKILL');
    sweepEnvironments([name]);
  });
  // Stop it only once Compose is attached: a SIGTERM during start-up cancels the start and leaves the
  // containers running (and then their names rightly stay).
  let output = '';
  const attached = new Promise<void>((resolve) =>
    child.all.on('data', (b: Buffer) => (output += b.toString()) && /Attaching to/.test(output) && resolve()),
  );
  // Every service resolves once Compose has started them all (a SIGTERM while it still starts some would
  // leave those running).
  let answers: (DnsAnswer | undefined)[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    answers = await Promise.all(
      ['web', 'api', 'worker'].map((s) => queryA(`${s}.${name}.test`, port, { timeoutMs: 300 }).catch(() => undefined)),
    );
    if (answers.every((a) => a?.addresses.length)) break;
  }
  const answer = answers[0];
  assert.equal(answer?.addresses.length, 1, `web.${name}.test resolved while the attached up runs`);
  assert.ok(
    answers.every((a) => a?.addresses.length === 1),
    'and so do the other services',
  );
  assert.equal(child.exitCode, null, 'Compose is still in the foreground');
  await Promise.race([attached, new Promise((r) => setTimeout(r, 20_000))]);
  assert.match(output, /Attaching to/, 'Compose attached');
  child.kill('SIGTERM'); // forwarded to Compose, which stops the services
  // Compose 2.26 sometimes panics on it (exit 2) instead: the user stopped it all the same, so cilo keeps
  // the environment (no undo) and its names follow what Compose left running.
  const { exitCode } = await child;
  t.diagnostic(`cilo-compose up exited ${exitCode}`);
  // A SIGTERM that reaches Compose while it still starts a service cancels the start and leaves the service
  // running; then its name rightly stays. Either way the names follow what runs once Compose has returned.
  if (composeContainers(name).length === 0) return assertNxdomain(port, `web.${name}.test`);
  t.diagnostic('Compose was still starting when it got SIGTERM: it left services running');
  for (const svc of ['web', 'api', 'worker']) {
    const up = composeContainers(name, svc).join('');
    const d =
      up.trim() === '' ? await digUntilGone(`${svc}.${name}.test`, port) : await dig(`${svc}.${name}.test`, port);
    assert.equal(d.status, up.trim() === '' ? 'NXDOMAIN' : 'NOERROR', `${svc}.${name}.test follows what runs`);
  }
});
