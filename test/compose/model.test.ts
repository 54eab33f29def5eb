// lib/compose/model.ts: the project model (normalized from either source, read from the real
// `docker compose config`; no engine needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadProject,
  normalizeNetwork,
  normalizePorts,
  normalizeService,
  normalizeVolume,
} from '../../lib/compose/model.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { ExitCodeError } from '../../lib/errors/index.ts';
import { requireCompose, tempDir } from '../helpers.ts';

test('normalizeService: networks as a list or a map, pinned addresses, IPv6, replicas from deploy or scale', () => {
  assert.deepEqual(normalizeService('a', { networks: ['x', 'y'], scale: 2 }), {
    name: 'a',
    networkMode: undefined,
    networks: ['x', 'y'],
    pinnedAddresses: {},
    ipv6On: [],
    replicas: 2,
    hasContainerName: false,
    ports: [],
  });
  const b = normalizeService('b', {
    networks: { x: { ipv4_address: '172.28.5.10' }, y: null, z: { ipv6_address: 'fd00::2' } },
    deploy: { replicas: 3 },
    container_name: 'bee',
  });
  assert.deepEqual(
    [b.networks, b.pinnedAddresses, b.ipv6On, b.replicas, b.hasContainerName],
    [['x', 'y', 'z'], { x: '172.28.5.10' }, ['z'], 3, true],
  );
  assert.deepEqual(
    normalizeService('c', { network_mode: 'host', networks: ['x'] }).networks,
    [],
    'a network_mode service joins no network',
  );
  assert.deepEqual(normalizeService('d', {}).networks, ['default']);
});

test("normalizeNetwork / normalizeVolume: external ones by name, a pinned name, and Compose's own name is not a pinned one", () => {
  assert.deepEqual(normalizeNetwork('ext', { external: true, name: 'corp' }), {
    key: 'ext',
    external: true,
    name: 'corp',
    driver: undefined,
    internal: undefined,
    attachable: undefined,
    enableIpv6: undefined,
    options: undefined,
    labels: undefined,
    ipam: [],
  });
  assert.equal(normalizeNetwork('old', { external: { name: 'legacy' } }).name, 'legacy');
  assert.equal(normalizeNetwork('x', { external: true }).name, 'x');
  assert.equal(normalizeNetwork('back', { name: 'p_back' }, 'p').name, undefined);
  assert.equal(normalizeNetwork('back', { name: 'pinned' }, 'p').name, 'pinned');
  const n = normalizeNetwork('b', {
    driver: 'bridge',
    internal: true,
    attachable: true,
    driver_opts: { mtu: 1450 },
    labels: ['a=b', 'c'],
    ipam: {
      config: [
        {
          subnet: '172.28.0.0/16',
          gateway: '172.28.0.1',
          ip_range: '172.28.5.0/24',
          aux_addresses: { h: '172.28.1.5' },
        },
        { gateway: 'x' },
      ],
    },
  });
  assert.deepEqual(
    [n.driver, n.internal, n.attachable, n.options, n.labels],
    ['bridge', true, true, { mtu: '1450' }, { a: 'b', c: '' }],
  );
  assert.deepEqual(
    n.ipam,
    [{ subnet: '172.28.0.0/16', gateway: '172.28.0.1', ipRange: '172.28.5.0/24', auxAddresses: { h: '172.28.1.5' } }],
    'entries without a subnet are dropped',
  );
  assert.deepEqual(normalizeVolume('data', { name: 'pgdata' }, 'p'), { key: 'data', external: false, name: 'pgdata' });
  assert.deepEqual(normalizeVolume('data', { name: 'p_data' }, 'p'), { key: 'data', external: false, name: undefined });
  assert.deepEqual(normalizeVolume('v', { external: true }), { key: 'v', external: true, name: 'v' });
});

test('loadProject reads every service, in every profile, sorted, with networks, replicas and container_name', async (t) => {
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  web:',
      '    image: busybox',
      '    ports: ["8080:80"]',
      '  api:',
      '    image: busybox',
      '    networks: [front, back]',
      '    container_name: my-api',
      '  worker:',
      '    image: busybox',
      '    deploy: {replicas: 3}',
      '  hostnet:',
      '    image: busybox',
      '    network_mode: host',
      '  debug:',
      '    image: busybox',
      '    profiles: [debug]',
      'networks:',
      '  front: {}',
      '  back: {}',
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' };
  const stderr: string[] = [];
  const { services, networks } = await loadProject(
    new Docker(env),
    { files: [join(dir, 'compose.yaml')], envFiles: [], name: 'modeltest' },
    dir,
    (s) => stderr.push(s),
  );
  assert.deepEqual(
    services.map((s) => s.name),
    ['api', 'debug', 'hostnet', 'web', 'worker'],
    'sorted, and the profiled service is included',
  );
  const by = Object.fromEntries(services.map((s) => [s.name, s]));
  assert.deepEqual(by.web, {
    name: 'web',
    networkMode: undefined,
    networks: ['default'],
    pinnedAddresses: {},
    ipv6On: [],
    replicas: 1,
    hasContainerName: false,
    ports: [{ target: 80, protocol: 'tcp' }],
  });
  assert.deepEqual(
    networks.map((n) => n.key),
    ['back', 'default', 'front'],
    'the implicit default is a network of the project',
  );
  assert.ok(
    networks.every((n) => !n.external && n.name === undefined),
    'names Compose gives (modeltest_back) are not pinned names',
  );
  assert.deepEqual(by.api!.networks.sort(), ['back', 'front']);
  assert.equal(by.api!.hasContainerName, true);
  assert.equal(by.worker!.replicas, 3);
  assert.equal(by.hostnet!.networkMode, 'host');
  assert.deepEqual(stderr, []);
});

test("loadProject: Compose's own error is shown as is and its exit code propagated", async (t) => {
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    bogus_key: 1\n');
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' };
  const stderr: string[] = [];
  await assert.rejects(
    loadProject(new Docker(env), { files: [join(dir, 'compose.yaml')], envFiles: [], name: 'modeltest' }, dir, (s) =>
      stderr.push(s),
    ),
    (e: unknown) => e instanceof ExitCodeError && e.exitCode !== 0,
  );
  assert.match(stderr.join(''), /bogus_key/);
});

const PORT_SPECS: unknown[] = [
  '80',
  '8080:80',
  '127.0.0.2:8081:81',
  '127.0.0.1::82',
  '9000-9001:90-91/udp',
  '[::1]:8443:443',
  '3000-3002',
  5432,
  { target: 6379, published: '16379', host_ip: '127.0.0.3', protocol: 'tcp' },
  { target: 53, protocol: 'udp' },
];

test('normalizePorts: short and long syntax, ranges expanded, protocol and host address kept', () => {
  assert.deepEqual(normalizePorts(PORT_SPECS), [
    { target: 80, protocol: 'tcp' },
    { target: 80, protocol: 'tcp' },
    { target: 81, protocol: 'tcp', hostIp: '127.0.0.2' },
    { target: 82, protocol: 'tcp', hostIp: '127.0.0.1' },
    { target: 90, protocol: 'udp' },
    { target: 91, protocol: 'udp' },
    { target: 443, protocol: 'tcp', hostIp: '::1' },
    { target: 3000, protocol: 'tcp' },
    { target: 3001, protocol: 'tcp' },
    { target: 3002, protocol: 'tcp' },
    { target: 5432, protocol: 'tcp' },
    { target: 6379, protocol: 'tcp', hostIp: '127.0.0.3' },
    { target: 53, protocol: 'udp' },
  ]);
  assert.deepEqual(normalizePorts(undefined), []);
});

test('normalizePorts reads the files as docker compose config does', (t) => {
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'compose.yaml'), JSON.stringify({ services: { web: { image: 'x', ports: PORT_SPECS } } }));
  const config = JSON.parse(
    execFileSync('docker', ['compose', 'config', '--format', 'json'], { cwd: dir, encoding: 'utf8' }),
  );
  assert.deepEqual(normalizePorts(config.services.web.ports), normalizePorts(PORT_SPECS));
});
