// lib/compose/override.ts: the generated override (docs/DESIGN.md §6), checked by parsing it back with `yaml`
// and, where `docker compose` is installed, by letting Compose merge it over a base file. What goes into it
// for an environment is lib/core/plan/override.ts (test/core/plan/override.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML, { isSeq } from 'yaml';
import { renderOverride, type OverrideInput } from '../../lib/compose/override.ts';
import { requireCompose, tempDir } from '../helpers.ts';

const input = (over: Partial<OverrideInput> = {}): OverrideInput => ({
  envName: 'dev',
  project: 'shop',
  homeId: 'abc123def456',
  services: [
    {
      name: 'web',
      networks: [{ key: 'default', ipv4: '10.224.0.2', aliases: ['web.dev.test'] }],
      renameContainer: false,
    },
    {
      name: 'db',
      networks: [
        { key: 'backend', aliases: ['db.dev.test'] },
        { key: 'default', ipv4: '10.224.0.3', aliases: ['db.dev.test'] },
      ],
      renameContainer: true,
    },
  ],
  networks: [
    { key: 'default', name: 'cilo-dev', replaces: true },
    { key: 'backend', name: 'dev_backend', replaces: true },
  ],
  volumes: [],
  ...over,
});

/** What real Compose makes of compose.yaml with override.yml over it, in `dir`. */
function mergedByCompose(dir: string) {
  const out = execFileSync(
    'docker',
    ['compose', '-p', 'dev', '-f', 'compose.yaml', '-f', 'override.yml', 'config', '--format', 'json'],
    { cwd: dir, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' }, encoding: 'utf8' },
  );
  return JSON.parse(out) as {
    services: Record<string, any>;
    networks: Record<string, any>;
    volumes: Record<string, any>;
  };
}

function parse(text: string) {
  const doc = YAML.parseDocument(text);
  assert.deepEqual(doc.errors, [], 'the override is valid YAML');
  return {
    doc,
    js: doc.toJS() as {
      services: Record<string, Record<string, any>>;
      networks: Record<string, any>;
      volumes?: Record<string, any>;
    },
  };
}

test('every service: ports tagged !reset with an empty sequence', () => {
  const { doc, js } = parse(renderOverride(input()));
  for (const s of ['web', 'db']) {
    const ports = doc.getIn(['services', s, 'ports'], true);
    assert.ok(isSeq(ports), `${s}.ports is a sequence`);
    assert.equal(ports.tag, '!reset');
    assert.equal(ports.items.length, 0);
    assert.deepEqual(js.services[s]!.ports, []);
  }
});

test('container_name only when renameContainer, as <env>-<service>', () => {
  const { js } = parse(renderOverride(input()));
  assert.equal('container_name' in js.services.web!, false);
  assert.equal(js.services.db!.container_name, 'dev-db');
});

test('labels; each network entry with its address and alias, or empty', () => {
  const { js } = parse(
    renderOverride(
      input({
        services: [
          {
            name: 'web',
            networks: [
              { key: 'default', ipv4: '10.224.0.2', aliases: ['web.dev.test'] },
              { key: 'corp' },
              { key: 'scaled', aliases: ['web.dev.test'] },
            ],
            renameContainer: false,
          },
        ],
      }),
    ),
  );
  const web = js.services.web!;
  assert.deepEqual(web.labels, { 'cilo.env': 'dev', 'cilo.project': 'shop', 'cilo.home': 'abc123def456' });
  assert.deepEqual(web.networks, {
    default: { ipv4_address: '10.224.0.2', aliases: ['web.dev.test'] },
    corp: {},
    scaled: { aliases: ['web.dev.test'] },
  });
});

test('top-level networks: external with their Docker name; the ones cilo creates drop what the files say about creating them', () => {
  const { doc, js } = parse(
    renderOverride(
      input({
        networks: [
          { key: 'default', name: 'cilo-dev', replaces: true },
          { key: 'cilo-shared-db', name: 'cilo-shared-db', replaces: false },
        ],
      }),
    ),
  );
  assert.deepEqual(js.networks['cilo-shared-db'], { name: 'cilo-shared-db', external: true });
  const creation = ['driver', 'driver_opts', 'ipam', 'internal', 'attachable', 'enable_ipv6', 'labels'];
  assert.deepEqual(Object.keys(js.networks.default), ['name', 'external', ...creation]);
  for (const k of creation)
    assert.equal((doc.getIn(['networks', 'default', k], true) as { tag?: string }).tag, '!reset', `${k} is reset`);
});

test('volumes renamed for the environment; no volumes section when there are none', () => {
  assert.deepEqual(parse(renderOverride(input({ volumes: [{ key: 'data', name: 'dev_pgdata' }] }))).js.volumes, {
    data: { name: 'dev_pgdata' },
  });
  assert.equal(parse(renderOverride(input())).js.volumes, undefined);
});

test('$ is doubled so Compose interpolation gives back the literal; odd characters stay quoted', () => {
  const text = renderOverride(
    input({
      project: 'p$x',
      services: [{ name: 'we:b #1', networks: [{ key: 'default', aliases: ['svc.dev.test'] }], renameContainer: true }],
    }),
  );
  const { js } = parse(text);
  const svc = js.services['we:b #1'];
  assert.ok(svc, 'a service name with ":" and "#" survives');
  assert.equal(svc.labels['cilo.project'], 'p$$x', 'Compose turns $$ back into $');
  assert.equal(svc.container_name, 'dev-we:b #1');
  assert.ok(!/[^$]\$[^$]/.test(text.replace(/\$\$/g, '')), 'no single $ left in the text');
});

test('no services (every one has a network_mode): `services: {}` and `networks: {}`, never null', () => {
  const { js } = parse(renderOverride(input({ services: [], networks: [] })));
  assert.deepEqual(js.services, {});
  assert.deepEqual(js.networks, {});
  const { js: withNet } = parse(renderOverride(input({ services: [] })));
  assert.equal(withNet.networks.default.name, 'cilo-dev');
});

test('an address of null is written `!reset null` (it resets an address the files pin)', () => {
  const text = renderOverride(
    input({ services: [{ name: 'web', networks: [{ key: 'default', ipv4: null }], renameContainer: false }] }),
  );
  const { doc } = parse(text);
  const node = doc.getIn(['services', 'web', 'networks', 'default', 'ipv4_address'], true) as { tag?: string };
  assert.equal(node.tag, '!reset');
  assert.match(text, /^ {8}ipv4_address: !reset null$/m);
});

test('a joined network comes last and never holds the default route: priority and gw_priority -1; Compose takes both', (t) => {
  const joined = input({
    services: [
      {
        name: 'web',
        networks: [
          { key: 'default', ipv4: '10.224.0.2', aliases: ['web.dev.test'] },
          { key: 'aa-shared', joined: true },
        ],
        renameContainer: false,
      },
    ],
    networks: [
      { key: 'default', name: 'cilo-dev', replaces: true },
      { key: 'aa-shared', name: 'aa-shared', replaces: false },
    ],
  });
  const text = renderOverride(joined);
  const web = parse(text).js.services.web!;
  assert.deepEqual(web.networks['aa-shared'], { priority: -1, gw_priority: -1 });
  assert.equal(web.networks.default.priority, undefined, 'its own network keeps the default priority');
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n');
  writeFileSync(join(dir, 'override.yml'), text);
  const out = execFileSync(
    'docker',
    ['compose', '-f', 'compose.yaml', '-f', 'override.yml', '-p', 'dev', 'config', '--format', 'json'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  const m = JSON.parse(out) as { services: Record<string, any> };
  assert.equal(m.services.web.networks['aa-shared'].priority, -1, 'Compose connects it after the own network');
});

test('Compose accepts the override of a project whose every service has a network_mode (awesome-compose plex)', (t) => {
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  plex:\n    image: plex\n    network_mode: host\n');
  writeFileSync(join(dir, 'override.yml'), renderOverride(input({ services: [], networks: [] })));
  const out = execFileSync(
    'docker',
    ['compose', '-f', 'compose.yaml', '-f', 'override.yml', '-p', 'plex', 'config', '--format', 'json'],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(JSON.parse(out).services.plex.network_mode, 'host');
});

test('Compose merges it over a base file: ports removed, container_name replaced, networks and volumes replaced', (t) => {
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  web:',
      '    image: busybox',
      '    ports: ["8080:80", "127.0.0.1:9000:9000"]',
      '  db:',
      '    image: busybox',
      '    container_name: fixed-db',
      '    ports: ["5432:5432"]',
      '    networks: [backend, default]',
      '    labels: {keep: "yes"}',
      '    volumes: [data:/data]',
      'networks:',
      '  backend: {driver: bridge, internal: true, ipam: {config: [{subnet: 172.28.0.0/16}]}}',
      'volumes:',
      '  data: {name: pgdata}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'override.yml'),
    renderOverride(input({ project: 'sh$op', volumes: [{ key: 'data', name: 'dev_pgdata' }] })),
  );
  const m = mergedByCompose(dir);
  assert.equal(m.services.web.ports, undefined, 'published ports are gone');
  assert.equal(m.services.db.ports, undefined);
  assert.equal(m.services.db.container_name, 'dev-db');
  assert.equal(m.services.web.container_name, undefined);
  // `config` prints a re-usable file, so it escapes `$` again: 'sh$$op' here is the value 'sh$op'. Had the
  // override not doubled the `$`, Compose would have interpolated `$op` away and printed 'sh'.
  assert.deepEqual(m.services.db.labels, {
    keep: 'yes',
    'cilo.env': 'dev',
    'cilo.project': 'sh$$op',
    'cilo.home': 'abc123def456',
  });
  assert.deepEqual(Object.keys(m.services.db.networks).sort(), ['backend', 'default']);
  assert.equal(m.services.web.networks.default.ipv4_address, '10.224.0.2');
  assert.deepEqual(m.services.web.networks.default.aliases, ['web.dev.test']);
  assert.deepEqual(m.networks.default, { name: 'cilo-dev', ipam: {}, external: true });
  assert.deepEqual(
    m.networks.backend,
    { name: 'dev_backend', ipam: {}, external: true },
    "the files' driver, internal and ipam are gone: cilo created it",
  );
  assert.equal(m.volumes.data.name, 'dev_pgdata');
});

test("published ports: `!override` with the long syntax replaces the files' ports; Compose merges it so", (t) => {
  const ports = [
    { target: 80, published: '24010-24011', hostIp: '127.0.0.1', protocol: 'tcp' },
    { target: 53, published: '24012', hostIp: '127.0.0.2', protocol: 'udp' },
  ];
  const text = renderOverride(
    input({ services: [{ name: 'web', ports, networks: [{ key: 'default' }], renameContainer: false }] }),
  );
  const { doc, js } = parse(text);
  assert.equal((doc.getIn(['services', 'web', 'ports'], true) as { tag?: string }).tag, '!override');
  assert.deepEqual(js.services.web!.ports, [
    { target: 80, published: '24010-24011', host_ip: '127.0.0.1', protocol: 'tcp' },
    { target: 53, published: '24012', host_ip: '127.0.0.2', protocol: 'udp' },
  ]);
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    'services:\n  web:\n    image: busybox\n    ports: ["8080:80", "53:53/udp", "9000:9000"]\n',
  );
  writeFileSync(join(dir, 'override.yml'), text);
  const out = execFileSync(
    'docker',
    ['compose', '-p', 'dev', '-f', 'compose.yaml', '-f', 'override.yml', 'config', '--format', 'json'],
    { cwd: dir, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' }, encoding: 'utf8' },
  );
  const web = (JSON.parse(out) as { services: Record<string, { ports: object[] }> }).services.web!;
  assert.deepEqual(
    web.ports.map((p) => ({ ...p })),
    [
      { mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '24010-24011', protocol: 'tcp' },
      { mode: 'ingress', host_ip: '127.0.0.2', target: 53, published: '24012', protocol: 'udp' },
    ],
    "only cilo's ports, none of the files'",
  );
});

test("an empty mount takes the place of the files' mount at its target when Compose merges them", (t) => {
  const text = renderOverride(
    input({
      services: [
        {
          name: 'web',
          networks: [{ key: 'default' }],
          renameContainer: false,
          emptyMounts: [{ target: '/host', volume: 'cilo-empty-0' }],
        },
      ],
      volumes: [{ key: 'cilo-empty-0', name: 'dev_cilo-empty-0' }],
    }),
  );
  assert.deepEqual(parse(text).js.services.web!.volumes, [{ type: 'volume', source: 'cilo-empty-0', target: '/host' }]);
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    'services:\n  web:\n    image: busybox\n    volumes: ["./host:/host", "data:/data"]\nvolumes:\n  data: {}\n',
  );
  writeFileSync(join(dir, 'override.yml'), text);
  const out = execFileSync(
    'docker',
    ['compose', '-f', 'compose.yaml', '-f', 'override.yml', '-p', 'dev', 'config', '--format', 'json'],
    { cwd: dir, encoding: 'utf8' },
  );
  const m = JSON.parse(out) as {
    services: Record<string, { volumes: { type: string; source: string; target: string }[] }>;
  };
  assert.deepEqual(
    m.services.web!.volumes.map((v) => [v.type, v.source, v.target]),
    [
      ['volume', 'cilo-empty-0', '/host'],
      ['volume', 'data', '/data'],
    ],
  );
});

test('volumes say whose they are (labels), an adopted one is external; network_mode services get the labels only', (t) => {
  if (!requireCompose(t)) return;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'compose.yaml'),
    [
      'services:',
      '  db:',
      '    image: busybox',
      '    volumes: [data:/data, old:/old]',
      '  sidecar:',
      '    image: busybox',
      '    network_mode: "service:db"',
      'volumes:',
      '  data: {}',
      '  old: {driver: local, labels: {mine: "yes"}}',
      '',
    ].join('\n'),
  );
  const labels = { 'cilo.home': 'abc123def456', 'cilo.env': 'dev' };
  const o = input({
    services: [input().services[1]!],
    labelledOnly: ['sidecar'],
    volumes: [
      { key: 'data', labels },
      { key: 'old', name: 'dev_old', external: true },
    ],
  });
  writeFileSync(join(dir, 'override.yml'), renderOverride(o));
  const m = mergedByCompose(dir);
  assert.deepEqual(m.volumes.data.labels, labels);
  assert.deepEqual(m.volumes.old, { name: 'dev_old', external: true }, "the files' driver and labels are gone");
  assert.equal(m.services.sidecar.labels['cilo.home'], 'abc123def456');
  assert.equal(m.services.sidecar.network_mode, 'service:db', 'its network_mode untouched');
});
