// Environments on an engine reached only over ssh (scripts/engine-remote.sh, docs/TEST-RIG.md): every port
// they publish and the router's forwarded to this machine's loopback at the same numbers (core/forward), a
// dropped connection restored with no command, nothing left listening after destroy. Traffic goes to
// 127.0.0.1 only, bodies asserted; what no longer answers is checked by its listener (docs/TEST-RIG.md, "A trap").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  dig,
  dockerLines,
  FIXTURES,
  forwardGroupsOf,
  loopbackBody,
  loopbackGet,
  requireDocker,
  ROOT,
  uniqueName,
  waitFor,
  type CiloEnv,
  type RunResult,
} from '../helpers.ts';
import { portOwner } from '../../lib/docker/pids.ts';
import type { ConnectionView, EnvironmentView } from '../../lib/views/views.ts';

const REMOTE = 'ssh://root@cilo-remote';
const WEBAPP = join(FIXTURES, 'webapp');
const RIG = join(ROOT, 'scripts', 'engine-remote.sh');
let rig = false;

before(() => {
  if (process.env.CILO_SKIP_INTEGRATION === '1' && !process.env.CI) return;
  // Only root starts the rig (a namespace, an sshd): the suite as a user leaves this file to the root suite.
  if (process.getuid?.() !== 0) return;
  execFileSync('bash', [RIG, 'up'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  rig = true;
});
after(() => {
  if (rig) execFileSync('bash', [RIG, 'down'], { stdio: 'inherit', timeout: 180_000 });
});

const ok = (r: RunResult, what: string) => {
  assert.equal(r.exitCode, 0, `${what}: ${r.stderr}`);
  return r;
};
const json = async <T>(ce: CiloEnv, args: string[]) =>
  JSON.parse(ok(await cilo(args, { env: ce.env }), args.join(' ')).stdout) as T;
const listened = (port: number) => portOwner(port, 'tcp') !== undefined;
const alive = (group: number) => {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every service's page at what `cilo env` prints, and at its published port, with its own body. */
async function answersHere(ce: CiloEnv, n: string): Promise<number[]> {
  const v = await json<EnvironmentView>(ce, ['status', n, '--json']);
  assert.deepEqual([v.access, v.ports_on, v.forwards], ['published', 'this host', 'up'], `${n}: forwarded here`);
  const env = await json<ConnectionView>(ce, ['env', n, '--format', 'json']);
  for (const [k, url] of Object.entries(env.variables).filter(([k]) => k.endsWith('_URL')))
    assert.match(await loopbackBody(url), new RegExp(`^\\w+ of ${n}\\n$`), `${k}=${url}`);
  const ports: number[] = [];
  for (const s of v.services.filter((x) => x.ports[0]?.host_port)) {
    const port = s.ports[0]!.host_port!;
    assert.equal(await loopbackBody(`http://127.0.0.1:${port}/`), `${s.name} of ${n}\n`, `${n}/${s.name} at ${port}`);
    ports.push(port);
  }
  return ports;
}

test(
  'two copies on an engine over ssh: forwarded here with their own pages and the router, kept across down/up, restored after sshd restarts, closed by destroy',
  { timeout: 900_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    if (!rig) return t.skip('the rig of an engine over ssh needs root');
    const ce = await ciloEnv(t, { DOCKER_HOST: REMOTE, CILO_ROUTER: 'on', CILO_PORT_RANGE: '36000-36099' });
    const [a, b] = [uniqueName('ra'), uniqueName('rb')];
    for (const n of [a, b]) ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), `up ${n}`);
    const portsA = await answersHere(ce, a);
    const portsB = await answersHere(ce, b);
    assert.deepEqual(
      portsA.filter((p) => portsB.includes(p)),
      [],
      'each copy its own ports',
    );
    assert.deepEqual((await dig(`web.${a}.test`, Number(ce.env.CILO_DNS_PORT))).addresses, ['127.0.0.1']);
    const { http_port } = (await json<EnvironmentView>(ce, ['status', a, '--json'])).router!;
    assert.equal(await loopbackBody(`http://web.${a}.test:${http_port}/`), `web of ${a}\n`, 'its .test name too');

    ok(await ciloCompose(['-p', a, 'down'], { cwd: WEBAPP, env: ce.env }), 'down');
    ok(await ciloCompose(['-p', a, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up after down');
    assert.deepEqual(await answersHere(ce, a), portsA, 'the same ports after down and up');

    // Every ssh session dropped (a network change, a restarted sshd): the ports answer again, no command run.
    execFileSync('bash', [RIG, 'restart-sshd'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
    const web = (await json<EnvironmentView>(ce, ['status', b, '--json'])).services.find((s) => s.name === 'web')!;
    assert.equal(await loopbackBody(web.url!, 10_000), `web of ${b}\n`, 'through the router, within 10 s');
    assert.deepEqual(await answersHere(ce, a), portsA, 'every forward is back');

    // The supervisor itself killed (its process group): doctor reports it, --fix brings every forward back.
    for (const g of forwardGroupsOf(ce.home)) process.kill(-g, 'SIGKILL');
    const found = await cilo(['doctor', '--json'], { env: ce.env });
    assert.equal(found.exitCode, 1, found.stderr);
    assert.deepEqual(
      JSON.parse(found.stdout).findings.map((f: { kind: string; engine: string }) => [f.kind, f.engine]),
      [['forward-down', REMOTE]],
    );
    ok(await cilo(['doctor', '--fix'], { env: ce.env }), 'doctor --fix');
    assert.deepEqual(await answersHere(ce, b), portsB, 'every forward of b is back');

    ok(await cilo(['destroy', b], { env: ce.env }), `destroy ${b}`);
    for (const p of portsB) assert.equal(listened(p), false, `${p} of ${b} is no longer forwarded`);
    const gone = await loopbackGet(web.url!);
    assert.equal(gone.status, 404, "the router dropped b's routes");
    assert.equal((await answersHere(ce, a)).length, portsA.length, 'a still answers');
    const router = (await json<EnvironmentView>(ce, ['status', a, '--json'])).router!;
    const groups = forwardGroupsOf(ce.home);
    assert.equal(groups.filter(alive).length, 1, 'one connection (and its supervisor) for the engine');

    ok(await cilo(['destroy', a], { env: ce.env }), `destroy ${a}`);
    for (const p of [...portsA, router.http_port, router.https_port])
      assert.equal(listened(p), false, `nothing listens on ${p} here`);
    await waitFor('the supervisor and its ssh connection to end', () => groups.filter(alive).length === 0, 10_000);
    const remote = { ...process.env, DOCKER_HOST: REMOTE };
    for (const n of [a, b])
      assert.deepEqual(
        dockerLines(['ps', '-aq', '--filter', `label=cilo.env=${n}`], remote),
        [],
        `nothing of ${n} there`,
      );
  },
);

test(
  'an engine reached over tcp://: status, env and JSON say its ports are on its machine, not on this host; nothing is forwarded',
  { timeout: 300_000 },
  async (t) => {
    if (!requireDocker(t)) return;
    if (!rig) return t.skip('the rig of a remote engine needs root');
    const tcp = 'tcp://10.98.0.2:2375';
    const ce = await ciloEnv(t, { DOCKER_HOST: tcp, CILO_ROUTER: 'on', CILO_PORT_RANGE: '36200-36299' });
    const n = uniqueName('rt');
    ok(await ciloCompose(['-p', n, 'up', '-d'], { cwd: WEBAPP, env: ce.env }), 'up');
    const v = await json<EnvironmentView>(ce, ['status', n, '--json']);
    assert.deepEqual(
      [v.access, v.ports_on, v.names_resolve.on_host, v.forwards],
      ['published', '10.98.0.2', false, undefined],
    );
    assert.ok(v.services.find((s) => s.name === 'web')!.ports[0]!.host_port, 'web is published there');
    assert.deepEqual(
      v.services.map((s) => s.url),
      v.services.map(() => null),
      'no URL answers from here',
    );
    const text = ok(await cilo(['status', n], { env: ce.env }), 'status').stdout;
    assert.match(
      text,
      /access published: each port on the loopback of 10\.98\.0\.2, the engine's machine, not on this host/,
    );
    assert.doesNotMatch(text, /each port on this host/);
    const env = await json<ConnectionView>(ce, ['env', n, '--format', 'json']);
    assert.equal(env.ports_on, '10.98.0.2');
    assert.deepEqual(
      Object.keys(env.variables).filter((k) => /_(HOST|URL)$/.test(k)),
      [],
      'no host or URL that would point here',
    );
    assert.ok(env.variables.WEB_PORT, 'the port number there');
    assert.deepEqual(forwardGroupsOf(ce.home), [], 'no ssh, no forward');
  },
);
