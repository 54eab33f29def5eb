// Environments on two Docker engines (docs/DESIGN.md §2 "Engines", §8 "Across engines"), for real: a second
// engine in a network namespace, a worker of engine 1's swarm (scripts/engine2.sh). A publisher with
// shared-scope swarm on engine 1 serves consumers on both engines; every command about an environment goes to
// its engine whatever DOCKER_HOST says; an engine that stops answering is reported, and nothing of it is
// taken for gone. The last test removes engine 2 and checks that engine 1 is as it was.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cilo,
  ciloCompose,
  ciloEnv,
  dockerLines,
  FIXTURES,
  readJson,
  requireDocker,
  ROOT,
  tempDir,
  uniqueName,
  type RunResult,
} from '../helpers.js';
import type { State } from '../../lib/state/schema.js';

const E2 = 'unix:///run/cilo-e2/docker.sock';
const SWARM_DB = join(FIXTURES, 'swarm');
const FRONTEND = join(FIXTURES, 'frontend');
const TINY = join(FIXTURES, 'tiny');
const on2 = { ...process.env, DOCKER_HOST: E2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every environment name this file uses: the last test checks that none left anything on either engine. */
const used: string[] = [];
/** Unique environment names, one per prefix (a tuple of as many), removed on teardown. */
const names = <P extends string[]>(...prefixes: P): { [K in keyof P]: string } =>
  prefixes.map((p) => uniqueName(p)).map((n) => (used.push(n), n)) as { [K in keyof P]: string };

const rig = (command: 'up' | 'down' | 'stop' | 'start') =>
  execFileSync('bash', [join(ROOT, 'scripts', 'engine2.sh'), command], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
let rigUp = false;
/** Engine 2, started once for the file; removed by the last test (and after the file, whatever happened). */
function engine2(t: TestContext): boolean {
  if (!requireDocker(t)) return false;
  if (!rigUp) rig('up');
  rigUp = true;
  return true;
}
after(() => {
  if (rigUp) rig('down');
});

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.exitCode, 0, `${what} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const stateOf = (home: string): State => readJson<State>(join(home, 'state.json'));
const containersOf = (project: string, env = process.env) =>
  dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], env);
const networksOf = (name: string, env = process.env) =>
  dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `label=cilo.env=${name}`], env);
const networksIn = (id: string, env = process.env) =>
  Object.keys(
    JSON.parse(dockerLines(['inspect', '--format', '{{json .NetworkSettings.Networks}}', id], env)[0] ?? '{}'),
  );
const running = (id: string, env = process.env) =>
  dockerLines(['inspect', '--format', '{{.State.Running}}', id], env)[0] === 'true';

/** `wget -qO- URL` inside the container, every 100 ms until it answers; returns the body and how long it took. */
async function reach(container: string, url: string, env = process.env): Promise<{ body: string; ms: number }> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < 20_000) {
    try {
      const body = execFileSync('docker', ['exec', container, 'wget', '-qO-', url], {
        encoding: 'utf8',
        env,
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
      return { body, ms: Date.now() - start };
    } catch (e) {
      last = (e as { stderr?: string }).stderr ?? (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} from ${container}: ${last}`);
}

/** A consumer project that joins `network` by x-cilo, for the `cilo-compose` route. */
function consumerDir(t: TestContext, network: string): string {
  const dir = tempDir(t);
  const frontend = readFileSync(join(FRONTEND, 'compose.yaml'), 'utf8');
  writeFileSync(join(dir, 'compose.yaml'), `x-cilo:\n  shared-networks: [${network}]\n${frontend}`);
  return dir;
}

test('a swarm publisher on engine 1 serves consumers on both engines by name; destroy is refused across engines; --force disconnects on both', async (t) => {
  if (!engine2(t)) return;
  const { home, env } = await ciloEnv(t);
  const [db, a, b, c] = names('db', 'a', 'b', 'c');
  const shared = `cilo-shared-${db}`;
  ok(await cilo(['create', db, '--from', SWARM_DB], { env }), 'create publisher');
  ok(await cilo(['up', db], { env }), 'up publisher');
  const overlay = JSON.parse(dockerLines(['network', 'inspect', '--format', '{{json .}}', shared])[0]!);
  assert.deepEqual([overlay.Driver, overlay.Scope, overlay.Attachable], ['overlay', 'swarm', true]);
  const { Subnet, IPRange } = overlay.IPAM.Config[0];
  assert.equal(stateOf(home).shared_networks[shared]!.scope, 'swarm');
  assert.equal(
    IPRange,
    Subnet.replace(/\.0\/24$/, '.128/25'),
    "Docker's addresses (each engine's load balancer, consumers) in the upper half",
  );
  assert.equal(
    stateOf(home).hosts.local!.environments[`swarm/${db}`]!.services.postgres!.shared_ip,
    Subnet.replace(/\.0\/24$/, '.2'),
  );

  // Consumer a on engine 1 by flag; consumer b on engine 2 through the drop-in, joined by x-cilo.
  ok(await cilo(['create', a, '--from', FRONTEND, '--shared-network', shared], { env }), 'create a');
  ok(await cilo(['up', a], { env }), 'up a');
  assert.equal((await reach(`${a}-app-1`, `http://postgres.${db}.test/`)).body, `postgres of ${db}`);
  const bDir = consumerDir(t, shared);
  ok(await ciloCompose(['-p', b, 'up', '-d'], { env: { ...env, DOCKER_HOST: E2 }, cwd: bDir }), 'up b on engine 2');
  const first = await reach(`${b}-app-1`, `http://postgres.${db}.test/`, on2);
  assert.equal(first.body, `postgres of ${db}`);
  t.diagnostic(`a consumer on engine 2 first reached the publisher ${first.ms} ms after up returned`);
  assert.deepEqual(containersOf(b), [], 'nothing of b on engine 1');

  // Later ups on engine 2: with its containers, and after down (the overlay has left engine 2 by then).
  ok(await ciloCompose(['-p', b, 'up', '-d'], { env: { ...env, DOCKER_HOST: E2 }, cwd: bDir }), 'second up of b');
  ok(await ciloCompose(['-p', b, 'down'], { env: { ...env, DOCKER_HOST: E2 }, cwd: bDir }), 'down b');
  for (let i = 0; i < 50 && dockerLines(['network', 'inspect', shared], on2).length > 0; i++) await sleep(100);
  assert.deepEqual(dockerLines(['network', 'inspect', shared], on2), [], 'engine 2 no longer sees the overlay');
  ok(await ciloCompose(['-p', b, 'up', '-d'], { env: { ...env, DOCKER_HOST: E2 }, cwd: bDir }), 'up of b after down');
  assert.equal((await reach(`${b}-app-1`, `http://postgres.${db}.test/`, on2)).body, `postgres of ${db}`);
  assert.deepEqual(dockerLines(['ps', '-aq', '--filter', 'label=cilo.anchor'], on2), [], 'no anchor outlives its up');

  // Consumer c: registered on engine 2, started from a shell pointing at engine 1.
  ok(
    await cilo(['create', c, '--from', FRONTEND, '--shared-network', shared], { env: { ...env, DOCKER_HOST: E2 } }),
    'create c on engine 2',
  );
  ok(await cilo(['up', c], { env }), 'up c');
  assert.equal(containersOf(c, on2).length, 1);
  const engines = Object.fromEntries(
    JSON.parse(ok(await cilo(['list', '--json'], { env }), 'list').stdout).environments.map(
      (v: { name: string; engine: string }) => [v.name, v.engine],
    ),
  );
  assert.deepEqual(engines, { [db]: 'local', [a]: 'local', [b]: E2, [c]: E2 });
  const shown = ok(await cilo(['shared', 'list'], { env }), 'shared list').stdout;
  assert.match(shown, new RegExp(`^${shared} \\(swarm\\)\\s+swarm/${db}\\s+4\\s`, 'm'));
  assert.match(shown, new RegExp(`└─ frontend/${c} on ${E2}$`, 'm'));

  const before = readFileSync(join(home, 'state.json'));
  const refused = await cilo(['destroy', db], { env });
  assert.equal(refused.exitCode, 1);
  assert.match(
    refused.stderr,
    new RegExp(`used by: .*/${b} \\(on engine ${E2.replace(/\//g, '\\/')}\\), frontend/${c} \\(on engine`),
  );
  assert.deepEqual(readFileSync(join(home, 'state.json')), before, 'a refused destroy changes nothing');

  // b's destroy, from engine 1's shell (no DOCKER_HOST): its containers and networks leave engine 2.
  ok(await cilo(['destroy', b], { env }), 'destroy b');
  assert.deepEqual([containersOf(b, on2), networksOf(b, on2)], [[], []]);

  const forced = ok(await cilo(['destroy', db, '--force'], { env }), 'destroy --force');
  assert.match(forced.stderr, /disconnecting them; they keep running/);
  for (const [name, where] of [
    [a, process.env],
    [c, on2],
  ] as const) {
    const [id] = containersOf(name, where);
    assert.ok(running(id!, where), `${name} keeps running`);
    assert.ok(!networksIn(id!, where).includes(shared), `${name} is off ${shared}`);
  }
  assert.deepEqual(dockerLines(['network', 'inspect', shared]), [], 'the overlay is gone');
  assert.deepEqual(stateOf(home).hosts[E2]!.environments[`frontend/${c}`]!.broken_shared_networks, [shared]);
  for (const n of [a, c]) ok(await cilo(['destroy', n], { env }), `destroy ${n}`);
});

test('an environment created with DOCKER_HOST at engine 2 lives there: up, down, status, cilo-compose and destroy from engine 1 act on it', async (t) => {
  if (!engine2(t)) return;
  const { home, env } = await ciloEnv(t);
  const [x, y] = names('x', 'y');
  ok(await cilo(['create', x, '--from', TINY], { env: { ...env, DOCKER_HOST: E2 } }), 'create x on engine 2');
  ok(await cilo(['up', x], { env }), 'up x');
  assert.equal(containersOf(x, on2).length, 1);
  assert.deepEqual(containersOf(x), [], 'nothing of x on engine 1');
  const status = JSON.parse(ok(await cilo(['status', x, '--json'], { env }), 'status').stdout);
  assert.deepEqual(
    [status.engine, status.engine_status, status.names_resolve],
    [E2, 'ok', { in_containers: true, on_host: false }],
  );
  const ps = ok(await ciloCompose(['-p', x, 'ps', '--format', '{{.Name}}'], { env, cwd: TINY }), 'cilo-compose ps');
  assert.equal(ps.stdout.trim(), `${x}-app-1`, 'cilo-compose -p NAME goes to the engine of NAME');
  assert.equal(
    stateOf(home).hosts[E2]!.engine!.id,
    dockerLines(['info', '--format', '{{.ID}}'], on2)[0],
    "the engine's ID is recorded",
  );

  // The same name on another engine is that environment; a name on another engine by --context is refused.
  const again = await cilo(['create', x, '--from', TINY], { env });
  assert.match(again.stderr, /already exists/);
  const config = tempDir(t);
  execFileSync('docker', ['context', 'create', 'cilo-e2', '--docker', `host=${E2}`], {
    env: { ...process.env, DOCKER_CONFIG: config },
    stdio: 'ignore',
  });
  const ctxEnv = { ...env, DOCKER_CONFIG: config };
  ok(await cilo(['create', y, '--from', TINY], { env: ctxEnv }), 'create y on engine 1');
  const wrong = await cilo(['--context', 'cilo-e2', 'up', y], { env: ctxEnv });
  assert.equal(wrong.exitCode, 1);
  assert.match(wrong.stderr, new RegExp(`environment ${y} lives on engine local, not on cilo-e2`));

  // A recorded engine that now answers with another ID: up refuses, list says so, nothing changes.
  const original = readFileSync(join(home, 'state.json'), 'utf8');
  const tampered = JSON.parse(original) as State;
  tampered.hosts[E2]!.engine!.id = 'NOT:THIS:ONE';
  writeFileSync(join(home, 'state.json'), JSON.stringify(tampered));
  const replaced = await cilo(['up', x], { env });
  assert.equal(replaced.exitCode, 1);
  assert.match(replaced.stderr, /now answers as another Docker engine: ID \S+, state recorded NOT:THIS:ONE/);
  const listed = JSON.parse(ok(await cilo(['list', '--json'], { env }), 'list').stdout).environments.find(
    (v: { name: string }) => v.name === x,
  );
  assert.equal(listed.engine_status, 'replaced');
  writeFileSync(join(home, 'state.json'), original);

  ok(await cilo(['down', x], { env }), 'down x');
  assert.deepEqual(containersOf(x, on2), []);
  ok(await cilo(['destroy', x], { env }), 'destroy x');
  assert.deepEqual(networksOf(x, on2), []);
  ok(await cilo(['destroy', y], { env }), 'destroy y');
});

test('engine 2 stopped: list and status answer and mark it unreachable; doctor --fix changes nothing; back, everything works', async (t) => {
  if (!engine2(t)) return;
  const { home, env } = await ciloEnv(t);
  const [w, v] = names('w', 'v');
  ok(await cilo(['create', w, '--from', TINY], { env: { ...env, DOCKER_HOST: E2 } }), 'create w');
  ok(await cilo(['up', w], { env }), 'up w');
  ok(await cilo(['create', v, '--from', TINY], { env }), 'create v');
  const [wContainer] = containersOf(w, on2);
  rig('stop');
  try {
    const before = readFileSync(join(home, 'state.json'));
    const started = Date.now();
    const list = ok(await cilo(['list', '--json'], { env }), 'list');
    assert.ok(Date.now() - started < 10_000, `list took ${Date.now() - started} ms`);
    const views = Object.fromEntries(
      JSON.parse(list.stdout).environments.map((x: { name: string; engine_status: string }) => [
        x.name,
        x.engine_status,
      ]),
    );
    assert.deepEqual(views, { [w]: 'unreachable', [v]: 'ok' });
    assert.match(list.stderr, /does not answer .*: its environments are shown as cilo last recorded them/);
    assert.match(ok(await cilo(['list'], { env }), 'list').stdout, new RegExp(`${w}.*\\(UNREACHABLE\\)`));
    assert.equal(
      JSON.parse(ok(await cilo(['status', w, '--json'], { env }), 'status').stdout).engine_status,
      'unreachable',
    );

    const doctor = await cilo(['doctor', '--fix', '--json'], { env });
    assert.equal(doctor.exitCode, 1);
    const findings = JSON.parse(doctor.stdout).findings;
    assert.deepEqual(
      findings.map((f: { kind: string; fixed: boolean }) => [f.kind, f.fixed]),
      [['engine-unreachable', false]],
    );
    const up = await cilo(['up', w], { env });
    assert.match(up.stderr, /does not answer/);
    assert.equal((await cilo(['destroy', w], { env })).exitCode, 1);
    assert.deepEqual(readFileSync(join(home, 'state.json')), before, 'state as it was');
  } finally {
    rig('start');
  }
  assert.deepEqual(
    dockerLines(['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${w}`], on2).map((id) =>
      id.slice(0, 12),
    ),
    [wContainer!.slice(0, 12)],
    'its container is still there',
  );
  ok(await cilo(['up', w], { env }), 'up w after engine 2 returned');
  assert.ok(running(containersOf(w, on2)[0]!, on2));
  ok(await cilo(['doctor'], { env }), 'doctor: no drift');
  for (const n of [w, v]) ok(await cilo(['destroy', n], { env }), `destroy ${n}`);
});

test('after the suite: no cilo container or network on either engine, and engine 1 out of the swarm', (t) => {
  if (!engine2(t)) return;
  assert.ok(used.length >= 8);
  for (const where of [process.env, on2])
    for (const n of used)
      assert.deepEqual(
        [
          ...containersOf(n, where),
          ...dockerLines(['ps', '-aq', '--filter', `label=cilo.env=${n}`], where),
          ...networksOf(n, where),
        ],
        [],
        `${n} left nothing`,
      );
  rig('down');
  rigUp = false;
  assert.equal(dockerLines(['info', '--format', '{{.Swarm.LocalNodeState}}'])[0], 'inactive');
  assert.deepEqual(
    dockerLines(['network', 'ls', '--format', '{{.Name}}']).filter((n) => n === 'docker_gwbridge' || n === 'ingress'),
    [],
  );
  assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), /cilo-e2/);
});
