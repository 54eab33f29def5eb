// lib/docker/docker.ts: version parsing, error translation and output parsing with an injected runner
// (the same calls against the real engine: docker.integration.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, SocketError } from '../../lib/docker/api.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { lostMainNetwork, parseComposeVersion, versionAtLeast, MIN_COMPOSE } from '../../lib/docker/objects.ts';
import { EngineUnreachableError, UserError } from '../../lib/errors/index.ts';
import { EngineRefusedError } from '../../lib/docker/writes.ts';
import { fakeRunner } from '../fakes.ts';

/** An API that must not be asked to change anything. */
const noChange = async (): Promise<boolean> => assert.fail('no change expected');

test('parseComposeVersion reads plain, v-prefixed, desktop and Debian versions', () => {
  assert.deepEqual(parseComposeVersion('2.26.1\n'), [2, 26, 1]);
  assert.deepEqual(parseComposeVersion('v2.24.0-desktop.1'), [2, 24, 0]);
  assert.deepEqual(parseComposeVersion('2.26.1-4'), [2, 26, 1]);
  assert.deepEqual(parseComposeVersion('Docker Compose version v2.29.7'), [2, 29, 7]);
  assert.equal(parseComposeVersion('unknown'), undefined);
});

test('versionAtLeast compares numerically, component by component', () => {
  assert.ok(versionAtLeast([2, 24, 0], MIN_COMPOSE));
  assert.ok(versionAtLeast([2, 100, 0], [2, 24, 0]));
  assert.ok(versionAtLeast([3, 0, 0], [2, 24, 0]));
  assert.ok(!versionAtLeast([2, 23, 9], [2, 24, 0]));
  assert.ok(!versionAtLeast([1, 29, 2], [2, 24, 0]));
  assert.ok(versionAtLeast([2, 24, 1], [2, 24, 0]));
});

test('composeVersion: detected once; too old or missing Compose is a clear error', async () => {
  const ok = fakeRunner(() => ({ stdout: '2.26.1\n' }));
  const d = new Docker({}, ok.runner);
  assert.equal(await d.composeVersion(), '2.26.1');
  assert.equal(await d.composeVersion(), '2.26.1');
  assert.deepEqual(ok.calls, [['compose', 'version', '--short']], 'asked once per process');

  await assert.rejects(
    new Docker({}, fakeRunner(() => ({ stdout: '2.20.3\n' })).runner).composeVersion(),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /Docker Compose 2\.20\.3 is too old: cilo needs 2\.24 or newer/);
      return true;
    },
  );
  await assert.rejects(
    new Docker(
      {},
      fakeRunner(() => ({ code: 1, stderr: "docker: 'compose' is not a docker command.\n" })).runner,
    ).composeVersion(),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^Docker Compose v2 is not available .*'compose' is not a docker command/);
      assert.match(e.hint ?? '', /2\.24 or newer/);
      return true;
    },
  );
});

test('an engine that does not answer becomes one clear error naming the engine and how it was reached', async () => {
  const down = fakeRunner(() => ({
    code: 1,
    stderr: 'Cannot connect to the Docker daemon at tcp://nowhere:2375. Is the docker daemon running?\n',
  }));
  await assert.rejects(
    new Docker({ DOCKER_HOST: 'tcp://nowhere:2375' }, down.runner, 'tcp://nowhere:2375').inspectNetwork('x'),
    (e: unknown) => {
      assert.ok(e instanceof EngineUnreachableError);
      assert.equal(e.engine, 'tcp://nowhere:2375');
      assert.match(
        e.message,
        /^the Docker engine tcp:\/\/nowhere:2375 does not answer: Cannot connect/,
        'the engine named once when its name is its DOCKER_HOST',
      );
      return true;
    },
  );
  await assert.rejects(
    new Docker({ DOCKER_CONTEXT: 'build-box' }, down.runner, 'build-box').inspectNetwork('x'),
    /^EngineUnreachableError: the Docker engine build-box does not answer \(context build-box\)/,
  );
  const slow = fakeRunner(() => ({ code: 128, signal: 'SIGTERM', timedOut: true }));
  await assert.rejects(
    new Docker({}, slow.runner).engineInfo(3000),
    /of this machine does not answer \(the default socket\): no answer within 3 s/,
  );
});

test("engineInfo from the CLI: the ID, platform, rootless and swarm role, from docker info's JSON", async () => {
  const raw = {
    ID: 'AAAA:BBBB',
    Architecture: 'x86_64',
    OperatingSystem: 'Docker Desktop',
    ServerVersion: '28.5.2',
    SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'],
    Swarm: {
      LocalNodeState: 'active',
      NodeID: 'node2',
      ControlAvailable: false,
      RemoteManagers: [{ NodeID: 'node1' }],
    },
  };
  const worker = fakeRunner(() => ({ stdout: JSON.stringify(raw) + '\n' }));
  assert.deepEqual(await new Docker({}, worker.runner).engineInfo(), {
    id: 'AAAA:BBBB',
    podman: false,
    architecture: 'x86_64',
    operatingSystem: 'Docker Desktop',
    serverVersion: '28.5.2',
    rootless: true,
    swarm: { state: 'active', nodeId: 'node2', manager: false, managers: ['node1'] },
  });
  assert.deepEqual(worker.calls[0], ['info', '--format', '{{json .}}']);
  const alone = fakeRunner(() => ({
    stdout: JSON.stringify({
      ID: 'C',
      Swarm: { LocalNodeState: 'inactive', RemoteManagers: null },
      SecurityOptions: null,
    }),
  }));
  const info = await new Docker({}, alone.runner).engineInfo();
  assert.deepEqual(
    [info.rootless, info.swarm],
    [false, { state: 'inactive', nodeId: '', manager: false, managers: [] }],
  );
});

test('engineInfo through the API when one is given: no docker process; its failure is an unreachable engine', async () => {
  const { runner, calls } = fakeRunner(() => assert.fail('no docker process'));
  const api = { get: async () => ({ ID: 'API:ID', Swarm: {} }), socket: () => '/s.sock', send: noChange };
  assert.equal((await new Docker({}, runner, 'local', undefined, api).engineInfo()).id, 'API:ID');
  assert.deepEqual(calls, []);
  const down = {
    get: async () => Promise.reject(new SocketError('/var/run/docker.sock: ECONNREFUSED')),
    socket: () => '/s.sock',
    send: noChange,
  };
  await assert.rejects(
    new Docker({}, runner, 'local', undefined, down).engineInfo(),
    (e: unknown) => e instanceof EngineUnreachableError && /ECONNREFUSED/.test(e.message),
  );
  const cli = fakeRunner(() => ({ stdout: '{"ID":"CLI"}' }));
  const elsewhere = { get: async () => undefined, socket: () => undefined, send: noChange };
  assert.equal(
    (await new Docker({}, cli.runner, 'local', undefined, elsewhere).engineInfo()).id,
    'CLI',
    'not a local socket: the CLI',
  );
});

test('networks through the API on a local socket: one request each, a 404 is a missing network, any other status the engine’s error', async () => {
  const { runner, calls } = fakeRunner(() => assert.fail('no docker process'));
  const net = (id: string, name: string) => ({
    Id: id,
    Name: name,
    Scope: 'local',
    Labels: { 'cilo.env': 'shop' },
    IPAM: { Config: [{ Subnet: '10.224.0.0/24' }] },
    Containers: { c1: { Name: 'shop-web-1', IPv4Address: '10.224.0.2/24' } },
  });
  const asked: string[] = [];
  const api = {
    socket: () => '/s.sock',
    send: noChange,
    get: async (_env: NodeJS.ProcessEnv, path: string) => {
      asked.push(path);
      if (path.startsWith('/networks?')) return [net('n1', 'cilo-shop'), net('n2', 'other')];
      if (path === '/networks/n1' || path === '/networks/cilo-shop') return net('n1', 'cilo-shop');
      if (path === '/networks/broken') throw new ApiError(500, '/networks/broken answered 500: disk full');
      throw new ApiError(404, `${path} answered 404: network not found`);
    },
  };
  const d = new Docker({}, runner, 'local', undefined, api);
  assert.deepEqual((await d.inspectNetwork('cilo-shop'))?.containers, {
    c1: { name: 'shop-web-1', ipv4: '10.224.0.2' },
  });
  assert.equal(await d.inspectNetwork('gone'), undefined, 'a 404: no such network');
  assert.deepEqual(
    (await d.inspectNetworks(['gone', 'cilo-shop'])).map((n) => n.name),
    ['cilo-shop'],
    'missing ones are left out',
  );
  await assert.rejects(d.inspectNetwork('broken'), (e: unknown) => {
    assert.ok(e instanceof UserError && !(e instanceof EngineUnreachableError), String(e));
    assert.match(e.message, /engine local: \/networks\/broken answered 500: disk full/);
    return true;
  });
  asked.length = 0;
  const listed = await d.listNetworks((n) => n.startsWith('cilo-'), 'cilo.env');
  assert.deepEqual(
    listed.map((n) => n.id),
    ['n1'],
  );
  assert.deepEqual(asked, [`/networks?filters=${encodeURIComponent('{"label":["cilo.env"]}')}`, '/networks/n1']);
  assert.deepEqual(calls, []);
});

test('networks through the CLI: an inspect that exits 1 for a missing one is read; any other failure is an error', async () => {
  const line = JSON.stringify({ Id: 'n1', Name: 'cilo-shop', Labels: {}, IPAM: { Config: [] }, Containers: {} });
  const partial = fakeRunner(() => ({ code: 1, stdout: line + '\n', stderr: 'Error: No such network: gone\n' }));
  assert.deepEqual(
    (await new Docker({}, partial.runner).inspectNetworks(['gone', 'cilo-shop'])).map((n) => n.name),
    ['cilo-shop'],
  );
  const failing = fakeRunner(() => ({
    code: 1,
    stdout: '',
    stderr: 'Error: No such network: gone\nError response from daemon: i/o error\n',
  }));
  await assert.rejects(
    new Docker({}, failing.runner).inspectNetworks(['gone', 'cilo-shop']),
    /docker network inspect failed: Error response from daemon: i\/o error/,
  );
  const silent = fakeRunner(() => ({ code: 2, stdout: '', stderr: '' }));
  await assert.rejects(new Docker({}, silent.runner).inspectNetwork('x'), /docker exited with 2/);
});

test('containers through the API: a list with networks and labels, states, published ports; no docker process', async () => {
  const { runner, calls } = fakeRunner(() => assert.fail('no docker process'));
  const asked: string[] = [];
  const list = [
    {
      Id: 'c1',
      Names: ['/shop-web-1'],
      State: 'running',
      Labels: { 'com.docker.compose.service': 'web', 'cilo.home': 'h1' },
      Ports: [{ PrivatePort: 80, PublicPort: 24001 }, { PrivatePort: 81 }],
      HostConfig: { NetworkMode: 'cilo-shop' },
      NetworkSettings: { Networks: { 'cilo-shop': { IPAddress: '10.224.0.2', NetworkID: 'n1' } } },
    },
    {
      Id: 'c2',
      Names: ['/other'],
      State: 'paused',
      Labels: null,
      Ports: [],
      HostConfig: { NetworkMode: 'cilo-shared-db' },
      NetworkSettings: { Networks: null },
    },
  ];
  const api = {
    get: async (_env: NodeJS.ProcessEnv, path: string) => (asked.push(path), list),
    socket: () => '/s.sock',
    send: noChange,
  };
  const docker = new Docker({}, runner, 'local', undefined, api);
  assert.deepEqual(await docker.listContainers(['cilo.env=shop']), [
    {
      id: 'c1',
      name: 'shop-web-1',
      running: true,
      paused: false,
      labels: list[0]!.Labels,
      networks: { 'cilo-shop': '10.224.0.2' },
      lostMainNetwork: false,
    },
    { id: 'c2', name: 'other', running: false, paused: true, labels: {}, networks: {}, lostMainNetwork: true },
  ]);
  assert.equal(asked[0], `/containers/json?all=1&filters=${encodeURIComponent('{"label":["cilo.env=shop"]}')}`);
  assert.deepEqual(await docker.containerStates('cilo.env=shop'), [
    { id: 'c1', running: true, service: 'web', oneOff: false },
    { id: 'c2', running: false, service: '', oneOff: false },
  ]);
  assert.deepEqual(await docker.publishedPorts('cilo.home'), [
    { label: 'h1', ports: [24001] },
    { label: '', ports: [] },
  ]);
  assert.equal(asked[2], '/containers/json?all=0', 'published ports: running containers only');
  assert.deepEqual(calls, []);
});

test('lostMainNetwork: a NetworkMode that names none of the networks the container is on, by name or ID', () => {
  const on = { 'cilo-shop': { NetworkID: 'abc123' } };
  assert.equal(lostMainNetwork('cilo-shop', on), false);
  assert.equal(lostMainNetwork('abc123', on), false, 'Compose may record the network by its ID');
  assert.equal(lostMainNetwork('cilo-shared-db', on), true, 'removed with --force: the container still names it');
  assert.equal(lostMainNetwork('cilo-shared-db', {}), true);
  for (const mode of [undefined, '', 'default', 'bridge', 'host', 'none', 'container:abc', 'service:db'])
    assert.equal(lostMainNetwork(mode, {}), false, `${mode}: no network of the container's own`);
});

test('inspectNetwork: undefined for a missing network, parsed fields otherwise', async () => {
  const missing = fakeRunner(() => ({ code: 1, stderr: 'Error: No such network: nope\n' }));
  assert.equal(await new Docker({}, missing.runner).inspectNetwork('nope'), undefined);
  const raw = {
    Id: 'abc',
    Name: 'cilo-dev',
    Labels: { 'cilo.env': 'dev' },
    IPAM: { Config: [{ Subnet: '10.224.0.0/24', Gateway: '10.224.0.1' }] },
    Containers: { c1: { Name: 'dev-web-1', IPv4Address: '10.224.0.2/24' } },
  };
  const found = fakeRunner(() => ({ stdout: JSON.stringify(raw) + '\n' }));
  assert.deepEqual(await new Docker({}, found.runner).inspectNetwork('cilo-dev'), {
    id: 'abc',
    name: 'cilo-dev',
    scope: 'local',
    subnets: ['10.224.0.0/24'],
    labels: { 'cilo.env': 'dev' },
    containers: { c1: { name: 'dev-web-1', ipv4: '10.224.0.2' } },
  });
  const bare = fakeRunner(() => ({
    stdout: JSON.stringify({ Id: 'n', Name: 'none', Labels: null, IPAM: { Config: null }, Containers: null }),
  }));
  assert.deepEqual(await new Docker({}, bare.runner).inspectNetwork('none'), {
    id: 'n',
    name: 'none',
    scope: 'local',
    subnets: [],
    labels: {},
    containers: {},
  });
});

test('composeVersion with a cache: asked once per binary identity, then read back; another identity asks again', async () => {
  const kept = new Map<string, string>();
  let identity = 'docker:1|compose:1';
  const versions = {
    key: () => identity,
    read: (k: string) => kept.get(k),
    write: (k: string, v: string) => void kept.set(k, v),
  };
  const { runner, calls } = fakeRunner(() => ({ stdout: '2.40.3\n' }));
  assert.equal(await new Docker({}, runner, 'local', versions).composeVersion(), '2.40.3');
  assert.equal(await new Docker({}, runner, 'local', versions).composeVersion(), '2.40.3');
  assert.equal(calls.length, 1, 'the second process reads what the first learned');
  identity = 'docker:1|compose:2';
  await new Docker({}, runner, 'local', versions).composeVersion();
  assert.equal(calls.length, 2);
});

test('changes over the API: one request per object, refusals by kind, those the change counts as done let pass', async () => {
  const { runner } = fakeRunner(() => assert.fail('no docker process'));
  const sent: string[] = [];
  const answers: Record<string, ApiError | SocketError> = {
    'DELETE /containers/gone?force=1&v=1': new ApiError(404, 'x', 'No such container: gone'),
    'POST /networks/create': new ApiError(409, 'x', 'network with name cilo-shop already exists'),
    'DELETE /networks/busy': new ApiError(500, 'x', '"busy" has associated containers', 'network is being used'),
    'POST /networks/cilo-shop/connect': new SocketError('connection reset'),
  };
  const api = {
    get: async () => assert.fail('no question'),
    socket: () => '/s.sock',
    send: async (_env: NodeJS.ProcessEnv, r: { method: string; path: string; body?: object }) => {
      sent.push(`${r.method} ${r.path}${r.body ? ` ${JSON.stringify(r.body)}` : ''}`);
      const answer = answers[`${r.method} ${r.path}`];
      if (answer) throw answer;
      return true;
    },
  };
  const d = new Docker({}, runner, 'local', undefined, api);
  await d.removeContainers(['c1', 'gone']);
  assert.deepEqual(sent.splice(0), ['DELETE /containers/c1?force=1&v=1', 'DELETE /containers/gone?force=1&v=1']);
  await assert.rejects(
    d.createNetwork({ name: 'cilo-shop', subnet: '10.224.0.0/24', labels: { 'cilo.env': 'shop' } }),
    (e) => e instanceof EngineRefusedError && e.refusal === 'exists' && /cilo-shop already exists/.test(e.message),
  );
  assert.match(
    sent.splice(0)[0]!,
    /"Name":"cilo-shop","CheckDuplicate":true,"Driver":"bridge".*"Subnet":"10.224.0.0\/24"/,
  );
  await assert.rejects(d.removeNetwork('busy'), (e) => e instanceof EngineRefusedError && e.refusal === 'in-use');
  assert.equal(sent.splice(0).length, 4, 'a network in use: asked again (moby/moby#42119), four times in all');
  await assert.rejects(d.connect('cilo-shop', 'c1'), EngineUnreachableError);
});

test('changes through the CLI: one command for every object; each refusal line read, a missing one is done', async () => {
  const { runner, calls } = fakeRunner((args) =>
    args[0] === 'rm'
      ? { stderr: 'Error response from daemon: No such container: gone\n' }
      : args[0] === 'volume'
        ? { code: 1, stderr: 'Error response from daemon: remove v1: volume is in use - [abc]\n' }
        : { code: 1, stderr: 'Error response from daemon: Pool overlaps with other one on this address space\n' },
  );
  const d = new Docker({ DOCKER_HOST: 'ssh://builder' }, runner, 'builder');
  await d.removeContainers(['c1', 'gone']);
  assert.deepEqual(calls[0], ['rm', '-f', '-v', 'c1', 'gone']);
  await assert.rejects(
    d.removeVolumes(['v1', 'v2']),
    (e) =>
      e instanceof EngineRefusedError &&
      e.refusal === 'in-use' &&
      e.message === 'removing volumes failed: remove v1: volume is in use - [abc]',
  );
  await assert.rejects(
    d.createNetwork({ name: 'n', subnet: '10.224.0.0/24', labels: {} }),
    (e) => e instanceof EngineRefusedError && e.refusal === 'overlap',
  );
  const broken = fakeRunner(() => ({
    code: 1,
    stderr: 'context "gone": context not found: no such file or directory\n',
  }));
  await assert.rejects(
    new Docker({ DOCKER_CONTEXT: 'gone' }, broken.runner, 'gone').removeContainers(['c1']),
    (e) => e instanceof EngineRefusedError && e.refusal === 'other',
    "the CLI's own failure is never a missing object, so never done",
  );
});
