// Environments end to end, on the real engine with real Compose: isolated copies of one project side by
// side, their addresses and names, idempotent ups, down/up, destroy, the `cilo` manager path, a failed first
// up, network_mode services and scaled services.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { EnvironmentView } from '../../lib/views/views.ts';
import { parseCidr, contains, parseIPv4 } from '../../lib/network/subnet.ts';
import {
  FIXTURES,
  ROOT,
  cilo,
  ciloCompose,
  ciloEnv,
  dockerLines,
  engineIsPodman,
  httpBody,
  readJson,
  removeDockerObjects,
  requireDocker,
  tempDir,
  uniqueName,
  type CiloEnv,
} from '../helpers.ts';

const WEBAPP = join(FIXTURES, 'webapp');

// ---- small helpers over the real executables and the engine ----

async function status(ce: CiloEnv, name: string): Promise<EnvironmentView> {
  const r = await cilo(['status', name, '--json'], { env: ce.env });
  assert.equal(r.exitCode, 0, `cilo status ${name}: ${r.stderr}`);
  return JSON.parse(r.stdout) as EnvironmentView;
}

function service(v: EnvironmentView, name: string): EnvironmentView['services'][number] {
  const s = v.services.find((x) => x.name === name);
  assert.ok(s, `${v.name} has a service ${name} in state (has ${v.services.map((x) => x.name).join(', ')})`);
  return s;
}

function inSubnet(ip: string, subnet: string): boolean {
  return contains(parseCidr(subnet)!, parseIPv4(ip)!);
}

/** Container ids of a compose project (optionally one service), sorted. */
function containers(project: string, svc?: string, all = false): string[] {
  const args = [
    'ps',
    '-q',
    '--no-trunc',
    ...(all ? ['-a'] : []),
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ];
  if (svc) args.push('--filter', `label=com.docker.compose.service=${svc}`);
  return dockerLines(args).sort();
}

/** Everything Docker still holds for an environment name: containers, networks, volumes. */
function leftovers(name: string): string[] {
  return [
    ...dockerLines(['ps', '-aq', '--filter', `label=cilo.env=${name}`]).map((c) => `container ${c} (cilo.env)`),
    ...dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]).map(
      (c) => `container ${c} (compose project)`,
    ),
    ...dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `label=cilo.env=${name}`]).map(
      (n) => `network ${n} (cilo.env)`,
    ),
    ...dockerLines([
      'network',
      'ls',
      '--format',
      '{{.Name}}',
      '--filter',
      `label=com.docker.compose.project=${name}`,
    ]).map((n) => `network ${n} (compose project)`),
    ...dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=^cilo-${name}$`]).map(
      (n) => `network ${n}`,
    ),
    ...dockerLines(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${name}`]).map(
      (v) => `volume ${v}`,
    ),
  ];
}

function stateNames(ce: CiloEnv): string[] {
  const file = join(ce.home, 'state.json');
  if (!existsSync(file)) return [];
  return Object.values(readJson(file).hosts.local.environments as Record<string, { name: string }>).map((e) => e.name);
}

/** `docker exec` in a container, not throwing. */
async function dockerExec(container: string, cmd: string[]) {
  const r = await execa('docker', ['exec', container, ...cmd], {
    reject: false,
    stdin: 'ignore',
    timeout: 20_000,
    stripFinalNewline: false,
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Names used by a test: whatever happens, their Docker objects go (the home's cleanup only knows names in state). */
function names(t: TestContext, ...prefixes: string[]): string[] {
  const out = prefixes.map((p) => uniqueName(p));
  t.after(() => {
    for (const n of out) removeDockerObjects(n);
  });
  return out;
}

/** A compose project in a temp dir (removed after the test). */
function project(t: TestContext, yaml: string): string {
  const dir = join(tempDir(t), 'proj');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), yaml);
  return dir;
}

const HTTP_SERVICE = (svc: string, extra = '') => `  ${svc}:
    image: cilo-fixture:busybox
    pull_policy: never
    init: true
    environment:
      ENV_NAME: \${COMPOSE_PROJECT_NAME}
    command: ["sh", "-c", "echo \\"${svc} of $$ENV_NAME\\" > /www/index.html && exec httpd -f -p 80 -h /www"]
${extra}`;

async function upOk(ce: CiloEnv, cwd: string, name: string, extra: string[] = []) {
  const r = await ciloCompose(['-p', name, 'up', '-d', ...extra], { cwd, env: ce.env });
  assert.equal(r.exitCode, 0, `cilo-compose -p ${name} up -d ${extra.join(' ')}: ${r.stderr}`);
  return r;
}

async function destroyOk(ce: CiloEnv, name: string) {
  const r = await cilo(['destroy', name], { env: ce.env });
  assert.equal(r.exitCode, 0, `cilo destroy ${name}: ${r.stderr}`);
  assert.deepEqual(leftovers(name), [], `nothing of ${name} left in Docker`);
  assert.ok(!stateNames(ce).includes(name), `${name} is gone from state`);
  assert.ok(!existsSync(join(ce.home, 'envs', name)), `${name}'s files are gone`);
  const s = await cilo(['status', name], { env: ce.env });
  assert.equal(s.exitCode, 1);
  assert.match(s.stderr, new RegExp(`^cilo: error: no environment named ${name}\\n`));
}

// ---- the tests ----

test('two copies of one project run side by side, isolated', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t);
  const [a, b] = names(t, 'ea', 'eb') as [string, string];

  // Both publish host ports 8080/8081 in the base file: plain Compose could run only one of them.
  await upOk(ce, WEBAPP, a);
  await upOk(ce, WEBAPP, b);
  const va = await status(ce, a);
  const vb = await status(ce, b);

  await t.test('state: running, own subnets, one static address per service', () => {
    assert.notEqual(va.subnet, vb.subnet);
    for (const [n, v] of [
      [a, va],
      [b, vb],
    ] as const) {
      assert.equal(v.status, 'running');
      assert.equal(v.key, `webapp/${n}`);
      assert.equal(v.network, `cilo-${n}`);
      assert.equal(v.source, WEBAPP);
      assert.deepEqual(
        v.services.map((s) => s.name),
        ['api', 'web', 'worker'],
      );
      for (const s of v.services) {
        assert.equal(s.dns_name, `${s.name}.${n}.test`);
        assert.ok(s.ip && inSubnet(s.ip, v.subnet), `${n}/${s.name}: ${s.ip} in ${v.subnet}`);
        assert.deepEqual(s.addresses, [s.ip], `${n}/${s.name} runs on its static address`);
      }
      assert.equal(new Set(v.services.map((s) => s.ip)).size, 3);
    }
  });

  await t.test('each service answers from the host on its address, with its own environment', async () => {
    for (const [n, v] of [
      [a, va],
      [b, vb],
    ] as const)
      for (const svc of ['web', 'api'])
        assert.equal(await httpBody(`http://${service(v, svc).ip}/`), `${svc} of ${n}\n`);
  });

  await t.test("inside a container, names of its own environment resolve; the other one's do not", async () => {
    const [worker] = containers(a, 'worker');
    assert.ok(worker, `a running worker of ${a}`);
    for (const svc of ['web', 'api']) {
      const r = await dockerExec(worker, ['wget', '-qO-', `http://${svc}.${a}.test`]);
      assert.equal(r.stdout, `${svc} of ${a}\n`, r.stderr);
    }
    const look = await dockerExec(worker, ['nslookup', `web.${b}.test`]);
    assert.notEqual(look.exitCode, 0, `web.${b}.test must not resolve in ${a}: ${look.stdout}`);
    // Podman's aardvark-dns sends a name it does not know upstream, and the matrix's namespace has none.
    assert.match(look.stdout + look.stderr, engineIsPodman() ? /no servers could be reached/ : /NXDOMAIN|can't find/);
    const get = await dockerExec(worker, ['wget', '-qO-', '-T', '3', `http://web.${b}.test`]);
    assert.notEqual(get.exitCode, 0);
    assert.equal(get.stdout, '');
  });

  await t.test('no host ports are published', () => {
    for (const n of [a, b]) {
      const ids = containers(n);
      assert.equal(ids.length, 3);
      for (const line of dockerLines([
        'ps',
        '--filter',
        `label=com.docker.compose.project=${n}`,
        '--format',
        '{{.Names}}\t{{.Ports}}',
      ]))
        assert.doesNotMatch(line, /->/, `published port in: ${line}`);
      for (const line of dockerLines(['inspect', '--format', '{{.Name}} {{json .HostConfig.PortBindings}}', ...ids]))
        assert.match(line, / (\{\}|null)$/, `port bindings: ${line}`);
    }
  });

  await t.test('up -d again is a no-op success with the same addresses', async () => {
    const before = containers(a);
    await upOk(ce, WEBAPP, a);
    // Compose 2.40 on Podman 4.3 recreates every container on each up, plain Compose as well (docs/TEST-RIG.md).
    if (!engineIsPodman()) assert.deepEqual(containers(a), before, 'no container was recreated');
    const again = await status(ce, a);
    assert.deepEqual(again.services, va.services);
    assert.equal(again.subnet, va.subnet);
  });

  await t.test('down then up keeps the subnet and the addresses', async () => {
    const down = await ciloCompose(['-p', a, 'down'], { cwd: WEBAPP, env: ce.env });
    assert.equal(down.exitCode, 0, down.stderr);
    assert.deepEqual(containers(a, undefined, true), [], 'down removed the containers');
    const stopped = await status(ce, a);
    assert.equal(stopped.status, 'stopped');
    for (const s of stopped.services) assert.deepEqual(s.addresses, [], `${s.name} has no running address`);
    assert.deepEqual(
      dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=^cilo-${a}$`]),
      [`cilo-${a}`],
      'the env network stays',
    );
    // The other copy is untouched.
    assert.equal(await httpBody(`http://${service(vb, 'web').ip}/`), `web of ${b}\n`);

    await upOk(ce, WEBAPP, a);
    const back = await status(ce, a);
    assert.equal(back.status, 'running');
    assert.equal(back.subnet, va.subnet);
    assert.deepEqual(back.services, va.services);
    assert.equal(await httpBody(`http://${service(back, 'web').ip}/`), `web of ${a}\n`);
  });

  await t.test('cilo list --json shows both', async () => {
    const r = await cilo(['list', '--json'], { env: ce.env });
    assert.equal(r.exitCode, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { environments: EnvironmentView[] };
    assert.deepEqual(
      list.environments.map((e) => e.name),
      [a, b].sort(),
    );
    for (const e of list.environments) {
      assert.equal(e.status, 'running');
      assert.equal(e.project, 'webapp');
      assert.deepEqual(e, e.name === a ? va : vb);
    }
  });

  await t.test('cilo destroy removes containers, networks and state of one copy only', async () => {
    await destroyOk(ce, a);
    assert.equal(await httpBody(`http://${service(vb, 'web').ip}/`), `web of ${b}\n`, `${b} still serves`);
    assert.deepEqual(stateNames(ce), [b]);
    await destroyOk(ce, b);
    assert.deepEqual(stateNames(ce), []);
  });
});

test('cilo create --from, up, down, destroy', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t);
  const [n] = names(t, 'ec') as [string];

  const created = await cilo(['create', n, '--from', 'fixtures/webapp', '--json'], { cwd: ROOT, env: ce.env });
  assert.equal(created.exitCode, 0, created.stderr);
  const cv = JSON.parse(created.stdout) as EnvironmentView;
  assert.equal(cv.name, n);
  assert.equal(cv.key, `webapp/${n}`);
  assert.equal(cv.status, 'created');
  assert.equal(cv.source, WEBAPP);
  assert.deepEqual(containers(n, undefined, true), [], 'create starts nothing');

  const up = await cilo(['up', n, '--json'], { cwd: tempDir(t), env: ce.env }); // works from any directory
  assert.equal(up.exitCode, 0, up.stderr);
  const uv = JSON.parse(up.stdout) as EnvironmentView;
  assert.equal(uv.status, 'running');
  assert.equal(uv.subnet, cv.subnet);
  assert.deepEqual(uv, await status(ce, n));
  for (const svc of ['web', 'api']) assert.equal(await httpBody(`http://${service(uv, svc).ip}/`), `${svc} of ${n}\n`);
  assert.equal(containers(n).length, 3);

  const down = await cilo(['down', n], { env: ce.env });
  assert.equal(down.exitCode, 0, down.stderr);
  assert.deepEqual(containers(n, undefined, true), []);
  const dv = await status(ce, n);
  assert.equal(dv.status, 'stopped');
  assert.deepEqual(
    dv.services.map((s) => s.ip),
    uv.services.map((s) => s.ip),
    'addresses are kept while stopped',
  );
  assert.deepEqual(dockerLines(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=^cilo-${n}$`]), [
    `cilo-${n}`,
  ]);

  await destroyOk(ce, n);
});

test('a failed first up leaves no state entry and no network', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t);
  const [n] = names(t, 'ef') as [string];
  const dir = project(
    t,
    `x-cilo:
  project: failup
services:
${HTTP_SERVICE('good')}  bad:
    image: cilo-fixture:nope
    pull_policy: never
    init: true
    command: ["sleep", "100000"]
`,
  );
  const r = await ciloCompose(['-p', n, 'up', '-d'], { cwd: dir, env: ce.env });
  assert.notEqual(r.exitCode, 0, 'up fails');
  assert.match(r.stderr, /no such image/i, "Compose's own error is shown");
  assert.doesNotMatch(r.stderr, /Pulling/, 'nothing was pulled');
  assert.deepEqual(dockerLines(['images', '-q', 'cilo-fixture:nope']), []);
  assert.deepEqual(stateNames(ce), [], 'no state entry');
  assert.deepEqual(leftovers(n), [], 'no containers or networks left');
  assert.ok(!existsSync(join(ce.home, 'envs', n)), 'no override left');
  const list = await cilo(['list', '--json'], { env: ce.env });
  assert.deepEqual(JSON.parse(list.stdout).environments, []);
});

test('a service with network_mode: host gets a warning and the project still works', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t);
  const [n] = names(t, 'eh') as [string];
  const dir = project(
    t,
    `x-cilo:
  project: hostmode
services:
${HTTP_SERVICE('web', '    ports: ["8080:80"]\n')}  hostnet:
    image: cilo-fixture:busybox
    pull_policy: never
    init: true
    network_mode: host
    command: ["sleep", "100000"]
`,
  );
  const r = await upOk(ce, dir, n);
  assert.match(r.stderr, /^cilo: warning: service hostnet uses network_mode "host"/m);
  const v = await status(ce, n);
  assert.equal(v.status, 'running');
  assert.deepEqual(
    v.services.map((s) => s.name),
    ['web'],
    'the host-mode service is not isolated, so not in state',
  );
  assert.equal(await httpBody(`http://${service(v, 'web').ip}/`), `web of ${n}\n`);
  const [hostnet] = containers(n, 'hostnet');
  assert.ok(hostnet, 'the host-mode service runs');
  assert.equal(
    dockerLines(['inspect', '--format', '{{.HostConfig.NetworkMode}} {{.State.Running}}', hostnet])[0],
    'host true',
  );
  await destroyOk(ce, n);
});

test('a scaled service (--scale api=2): every replica gets an address in state', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t);
  const [n] = names(t, 'es') as [string];
  await upOk(ce, WEBAPP, n, ['--scale', 'api=2']);
  const v = await status(ce, n);
  const api = service(v, 'api');
  assert.equal(api.replicas, 2);
  assert.equal(api.ip, null, 'no static address for a scaled service');
  assert.equal(api.addresses.length, 2);
  assert.equal(containers(n, 'api').length, 2);
  for (const ip of api.addresses) {
    assert.ok(inSubnet(ip, v.subnet), `${ip} in ${v.subnet}`);
    assert.equal(await httpBody(`http://${ip}/`), `api of ${n}\n`);
  }
  for (const svc of ['web', 'worker']) assert.deepEqual(service(v, svc).addresses, [service(v, svc).ip]);
  // The replicas share the service's name inside the environment.
  const [worker] = containers(n, 'worker');
  assert.equal((await dockerExec(worker!, ['wget', '-qO-', `http://api.${n}.test`])).stdout, `api of ${n}\n`);
  await destroyOk(ce, n);
});

test('a service with deploy.replicas: 2: every replica gets an address in state', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t);
  const [n] = names(t, 'er') as [string];
  const dir = project(
    t,
    `x-cilo:
  project: replicas
services:
${HTTP_SERVICE('echo', '    deploy:\n      replicas: 2\n')}${HTTP_SERVICE('single')}`,
  );
  await upOk(ce, dir, n);
  const v = await status(ce, n);
  const echo = service(v, 'echo');
  assert.equal(echo.replicas, 2);
  assert.equal(echo.ip, null);
  assert.equal(echo.addresses.length, 2);
  for (const ip of echo.addresses) assert.equal(await httpBody(`http://${ip}/`), `echo of ${n}\n`);
  const single = service(v, 'single');
  assert.ok(single.ip);
  assert.deepEqual(single.addresses, [single.ip]);
  await destroyOk(ce, n);
});

test('one-off `run` and the `scale` command work while the services run', async (t) => {
  if (!requireDocker(t)) return;
  // Plain Compose 2.40 on Podman 4.3 never returns from `run --rm` and recreates containers on every command.
  if (engineIsPodman()) return t.skip('Compose on Podman: `run --rm` hangs (docs/TEST-RIG.md)');
  const ce = await ciloEnv(t);
  const [n] = names(t, 'eo') as [string];
  const dir = project(
    t,
    `x-cilo:
  project: oneoff
services:
${HTTP_SERVICE('db')}${HTTP_SERVICE('app', '    depends_on: [db]\n')}`,
  );
  await upOk(ce, dir, n);
  const before = await status(ce, n);
  const ids = containers(n);

  // `run` of a service that is running: the one-off container must not take the service's address.
  const run = await ciloCompose(['-p', n, 'run', '--rm', '-e', 'X=1', 'app', 'wget', '-qO-', `http://db.${n}.test`], {
    cwd: dir,
    env: ce.env,
    stripFinalNewline: false,
  });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stdout, `db of ${n}\n`);
  assert.deepEqual(containers(n), ids, 'neither the service nor its dependency was recreated');
  assert.deepEqual((await status(ce, n)).services, before.services, 'addresses unchanged');
  assert.deepEqual(containers(n, undefined, true), ids, '--rm removed the one-off container');

  // `docker compose scale` (not only `up --scale`): the replicas cannot share one static address.
  const scale = await ciloCompose(['-p', n, 'scale', 'app=2'], { cwd: dir, env: ce.env });
  assert.equal(scale.exitCode, 0, scale.stderr);
  const scaled = await status(ce, n);
  const app = service(scaled, 'app');
  assert.equal(app.replicas, 2);
  assert.equal(app.addresses.length, 2);
  for (const ip of app.addresses) assert.equal(await httpBody(`http://${ip}/`), `app of ${n}\n`);
  assert.deepEqual(service(scaled, 'db'), service(before, 'db'));
  await destroyOk(ce, n);
});

test('a container whose main network is gone (removed with --force) is created again by the next up', async (t) => {
  if (!requireDocker(t)) return;
  // Podman names no main network (NetworkMode "bridge" for every container) and connects containers anew.
  if (engineIsPodman()) return t.skip('Podman has no main network to lose');
  const ce = await ciloEnv(t);
  const [n] = names(t, 'lost') as [string];
  const dir = project(t, `x-cilo:\n  project: lost\nservices:\n${HTTP_SERVICE('web')}${HTTP_SERVICE('api')}`);
  await upOk(ce, dir, n);
  const [web] = containers(n, 'web');
  const [api] = containers(n, 'api');
  // What a forced removal of the main network leaves: the container still names it (HostConfig.NetworkMode,
  // by ID with Compose 2.26, by name with 2.40).
  const netId = execFileSync('docker', ['network', 'inspect', '--format', '{{.Id}}', `cilo-${n}`], {
    encoding: 'utf8',
  });
  execFileSync('docker', ['network', 'disconnect', '--force', `cilo-${n}`, web!]);
  const mode = execFileSync('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}}', web!], {
    encoding: 'utf8',
  });
  assert.ok([`cilo-${n}`, netId.trim()].includes(mode.trim()), `web's main network is cilo-${n}: ${mode}`);

  const r = await upOk(ce, dir, n);
  assert.match(r.stderr, new RegExp(`the main network of web in ${n} is gone .*Compose creates its container again`));
  const [web2] = containers(n, 'web');
  assert.notEqual(web2, web, 'web has a new container');
  assert.deepEqual(containers(n, 'api'), [api], 'api keeps its container');
  const v = await status(ce, n);
  assert.equal(await httpBody(`http://${service(v, 'web').ip}/`), `web of ${n}\n`, 'web answers at its address');
  await destroyOk(ce, n);
});
