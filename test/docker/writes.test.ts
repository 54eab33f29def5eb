// lib/docker/writes.ts: what each change asks, and what the engines' refusals mean, on the answers the engines
// of the rig give (docs/TEST-RIG.md, "What the engines answer to a refused change").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classify,
  containerCreate,
  containerStart,
  containersRemove,
  networkConnect,
  networkCreate,
  networkDisconnect,
  networkRemove,
  volumesRemove,
} from '../../lib/docker/writes.ts';

const create = networkCreate({ name: 'cilo-shop', subnet: '10.224.0.0/24', labels: { 'cilo.env': 'shop' } });

test('network create: the same network for the API and the CLI', () => {
  const spec = {
    name: 'cilo-shop',
    subnet: '10.224.0.0/24',
    gateway: '10.224.0.1',
    ipRange: '10.224.0.128/25',
    auxAddresses: { dns: '10.224.0.2' },
    driver: 'overlay',
    attachable: true,
    internal: true,
    options: { 'com.docker.network.driver.mtu': '1400' },
    labels: { 'cilo.env': 'shop' },
  };
  const w = networkCreate(spec);
  assert.deepEqual(w.argv, [
    'network', 'create', '--driver', 'overlay', '--subnet', '10.224.0.0/24', '--gateway', '10.224.0.1',
    '--ip-range', '10.224.0.128/25', '--aux-address', 'dns=10.224.0.2', '--internal', '--attachable',
    '--opt', 'com.docker.network.driver.mtu=1400', '--label', 'cilo.env=shop', 'cilo-shop',
  ]); // prettier-ignore
  assert.deepEqual(w.requests, [
    {
      method: 'POST',
      path: '/networks/create',
      body: {
        Name: 'cilo-shop',
        CheckDuplicate: true,
        Driver: 'overlay',
        IPAM: {
          Driver: 'default',
          Config: [
            { Subnet: '10.224.0.0/24', Gateway: '10.224.0.1', IPRange: '10.224.0.128/25', AuxiliaryAddresses: { dns: '10.224.0.2' } },
          ],
        },
        Internal: true,
        Attachable: true,
        Options: { 'com.docker.network.driver.mtu': '1400' },
        Labels: { 'cilo.env': 'shop' },
      },
    },
  ]); // prettier-ignore
});

test('container create: the same container for the API and the CLI, never pulled', () => {
  const w = containerCreate({
    name: 'cilo-router',
    image: 'caddy:2',
    command: ['caddy', 'run'],
    entrypoint: '/bin/x',
    labels: { 'cilo.router': 'h' },
    network: 'none',
    logDriver: 'none',
    restart: 'unless-stopped',
    ports: [{ hostIp: '127.0.0.1', host: 24080, container: 80 }],
    volumes: [{ source: 'data', target: '/data', readonly: true }],
  });
  assert.deepEqual(w.argv, [
    'container', 'create', '--pull', 'never', '--name', 'cilo-router', '--network', 'none', '--log-driver', 'none',
    '--restart', 'unless-stopped', '--entrypoint', '/bin/x', '--label', 'cilo.router=h', '-p', '127.0.0.1:24080:80',
    '--mount', 'type=volume,src=data,dst=/data,readonly', 'caddy:2', 'caddy', 'run',
  ]); // prettier-ignore
  assert.deepEqual(w.requests, [
    {
      method: 'POST',
      path: '/containers/create?name=cilo-router',
      body: {
        Image: 'caddy:2',
        Cmd: ['caddy', 'run'],
        Entrypoint: ['/bin/x'],
        Labels: { 'cilo.router': 'h' },
        ExposedPorts: { '80/tcp': {} },
        HostConfig: {
          NetworkMode: 'none',
          LogConfig: { Type: 'none', Config: {} },
          RestartPolicy: { Name: 'unless-stopped' },
          PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '24080' }] },
          Mounts: [{ Type: 'volume', Source: 'data', Target: '/data', ReadOnly: true }],
        },
      },
    },
  ]);
});

test('names are path segments: encoded, so a name cannot reach another endpoint', () => {
  assert.equal(networkRemove('a/../../containers/x').requests[0]!.path, '/networks/a%2F..%2F..%2Fcontainers%2Fx');
  assert.equal(containersRemove(['c?x=1']).requests[0]!.path, '/containers/c%3Fx%3D1?force=1&v=1');
});

test('refusals as Docker 20.10 and 28 answer them: by status, and by the message where a status covers several', () => {
  const docker = [
    [create, 409, 'network with name cilo-shop already exists', 'exists'],
    [create, 403, 'Pool overlaps with other one on this address space', 'overlap'],
    [create, 403, 'invalid pool request: Pool overlaps with other one on this address space', 'overlap'],
    [create, 500, 'Invalid subnet 10.250.1.0/99 : invalid CIDR address: 10.250.1.0/99', 'other'],
    [create, 400, 'invalid network config:\ninvalid subnet 10.250.1.0/99: invalid CIDR block notation', 'other'],
    [networkRemove('n'), 403, 'error while removing network: network n id 1 has active endpoints', 'in-use'],
    [networkRemove('n'), 404, 'network n not found', 'missing'],
    [networkConnect('n', 'c'), 403, 'endpoint with name c already exists in network n', 'exists'],
    [networkConnect('n', 'c'), 404, 'No such container: c', 'missing'],
    [networkDisconnect('n', 'c'), 500, 'container 8e25 is not connected to network n', 'missing'],
    [networkDisconnect('n', 'c'), 404, 'endpoint c not found', 'missing'],
    [volumesRemove(['v']), 409, 'remove v: volume is in use - [7d07]', 'in-use'],
    [containersRemove(['c']), 404, 'No such container: c', 'missing'],
    [
      containerCreate({ name: 'r', image: 'i', labels: {} }),
      409,
      'Conflict. The container name "/r" is already in use by container "1f"',
      'exists',
    ],
    [
      containerStart('r'),
      500,
      'driver failed programming external connectivity on endpoint r: Bind for 127.0.0.1:24080 failed: port is already allocated',
      'port-taken',
    ],
  ] as const;
  for (const [w, status, message, kind] of docker) assert.equal(classify(w, { status, message }), kind, message);
});

test('refusals as Podman answers them: 500 for most, told apart by its `cause`', () => {
  const podman = [
    [create, 500, 'network already exists', 'network name cilo-shop already used: network already exists', 'exists'],
    [
      create,
      500,
      'subnet 10.250.1.0/25 is already used on the host or by another config',
      'subnet 10.250.1.0/25 is already used on the host or by another config',
      'overlap',
    ],
    [
      networkRemove('n'),
      500,
      'network is being used',
      '"n" has associated containers with it: network is being used',
      'in-use',
    ],
    [
      networkConnect('n', 'c'),
      500,
      'network is already connected',
      'container 1b84 is already connected to network "n"',
      'exists',
    ],
    [
      networkDisconnect('n', 'c'),
      404,
      'network not found',
      'container 1b84 is not connected to CNI network "n"',
      'missing',
    ],
    [
      volumesRemove(['v']),
      409,
      'volume is being used',
      'volume v is being used by the following container(s)',
      'in-use',
    ],
    [create, 500, 'invalid CIDR address: 10.250.1.0/99', 'failed to parse subnet', 'other'],
  ] as const;
  for (const [w, status, cause, message, kind] of podman)
    assert.equal(classify(w, { status, cause, message }), kind, message);
});

test("the CLI's words (all a remote engine's refusal gives): the same kinds", () => {
  const words = [
    [create, 'network with name cilo-shop already exists', 'exists'],
    [create, 'Pool overlaps with other one on this address space', 'overlap'],
    [create, 'could not find an available, non-overlapping IPv4 address pool among the defaults', 'pools-exhausted'],
    [create, 'all predefined address pools have been fully subnetted', 'pools-exhausted'],
    [networkRemove('n'), 'error while removing network: network n id 1 has active endpoints', 'in-use'],
    [networkRemove('n'), 'No such network: n', 'missing'],
    [containersRemove(['c']), 'No such container: c', 'missing'],
    [create, 'permission denied', 'other'],
    [create, 'network with name x_overlap already exists', 'exists'],
    [
      networkRemove('overlap-no-such'),
      'error while removing network: network overlap-in-use id 1 has active endpoints',
      'in-use',
    ],
  ] as const;
  for (const [w, message, kind] of words) assert.equal(classify(w, { message }), kind, message);
  assert.equal(classify(networkRemove('n'), { status: 404, message: 'page not found' }), 'other', 'no such endpoint');
});
