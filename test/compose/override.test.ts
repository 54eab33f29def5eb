// lib/compose/override.ts: the generated override (docs/DESIGN.md §6), checked by parsing it back with `yaml`
// and, where `docker compose` is installed, by letting Compose merge it over a base file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML, { isSeq, parse as parseYaml, type YAMLSeq } from 'yaml';
import { renderOverride, withoutStaticAddresses, type OverrideInput } from '../../lib/compose/override.ts';
import { requireCompose, tempDir } from '../helpers.ts';

const input = (over: Partial<OverrideInput> = {}): OverrideInput => ({
  envName: 'dev',
  project: 'shop',
  homeId: 'abc123def456',
  envNetwork: 'cilo-dev',
  joinedNetworks: [],
  services: [
    { name: 'web', networks: ['default'], dnsName: 'web.dev.test', ip: '10.224.0.2', renameContainer: false },
    { name: 'db', networks: ['backend', 'default'], dnsName: 'db.dev.test', ip: '10.224.0.3', renameContainer: true },
  ],
  ...over,
});

function parse(text: string) {
  const doc = YAML.parseDocument(text);
  assert.deepEqual(doc.errors, [], 'the override is valid YAML');
  return { doc, js: doc.toJS() as { services: Record<string, Record<string, any>>; networks: Record<string, any> } };
}

test('every service: ports tagged !reset with an empty sequence', () => {
  const { doc, js } = parse(renderOverride(input()));
  for (const s of ['web', 'db']) {
    const ports = doc.getIn(['services', s, 'ports'], true);
    assert.ok(isSeq(ports), `${s}.ports is a sequence`);
    assert.equal((ports as YAMLSeq).tag, '!reset');
    assert.equal((ports as YAMLSeq).items.length, 0);
    assert.deepEqual(js.services[s]!.ports, []);
  }
});

test('container_name only when renameContainer, as <env>-<service>', () => {
  const { js } = parse(renderOverride(input()));
  assert.equal('container_name' in js.services.web!, false);
  assert.equal(js.services.db!.container_name, 'dev-db');
});

test('labels, own networks kept, env network with address and alias', () => {
  const { js } = parse(renderOverride(input()));
  const web = js.services.web!;
  assert.deepEqual(web.labels, { 'cilo.env': 'dev', 'cilo.project': 'shop', 'cilo.home': 'abc123def456' });
  assert.deepEqual(web.networks, { default: {}, 'cilo-dev': { ipv4_address: '10.224.0.2', aliases: ['web.dev.test'] } });
  assert.deepEqual(js.services.db!.networks, {
    backend: {},
    default: {},
    'cilo-dev': { ipv4_address: '10.224.0.3', aliases: ['db.dev.test'] },
  });
});

test('a scaled service (no ip) gets the alias but no ipv4_address', () => {
  const { js } = parse(renderOverride(input({ services: [{ name: 'worker', networks: ['default'], dnsName: 'worker.dev.test', renameContainer: false }] })));
  assert.deepEqual(js.services.worker!.networks['cilo-dev'], { aliases: ['worker.dev.test'] });
});

test('top-level networks: every cilo network external with its own name', () => {
  const { js } = parse(renderOverride(input({ publishedNetwork: 'cilo-shared-dev', joinedNetworks: ['cilo-shared-db', 'corp_net'] })));
  assert.deepEqual(js.networks, {
    'cilo-dev': { name: 'cilo-dev', external: true },
    'cilo-shared-dev': { name: 'cilo-shared-dev', external: true },
    'cilo-shared-db': { name: 'cilo-shared-db', external: true },
    corp_net: { name: 'corp_net', external: true },
  });
  assert.equal('default' in js.networks, false, "the project's own networks are left to Compose");
});

test('published shared network: exported services join it (static or scaled), others do not', () => {
  const { js } = parse(
    renderOverride(
      input({
        publishedNetwork: 'cilo-shared-dev',
        services: [
          { name: 'pg', networks: ['default'], dnsName: 'pg.dev.test', ip: '10.224.0.2', sharedIp: '10.224.1.2', renameContainer: false },
          { name: 'cache', networks: ['default'], dnsName: 'cache.dev.test', exportedScaled: true, renameContainer: false },
          { name: 'web', networks: ['default'], dnsName: 'web.dev.test', ip: '10.224.0.4', renameContainer: false },
        ],
      }),
    ),
  );
  assert.deepEqual(js.services.pg!.networks['cilo-shared-dev'], { ipv4_address: '10.224.1.2', aliases: ['pg.dev.test'] });
  assert.deepEqual(js.services.cache!.networks['cilo-shared-dev'], { aliases: ['cache.dev.test'] });
  assert.equal('cilo-shared-dev' in js.services.web!.networks, false);
});

test('a sharedIp without a published network adds nothing', () => {
  const { js } = parse(renderOverride(input({ services: [{ name: 'pg', networks: ['default'], dnsName: 'pg.dev.test', sharedIp: '10.224.1.2', renameContainer: false }] })));
  assert.deepEqual(Object.keys(js.services.pg!.networks), ['default', 'cilo-dev']);
});

test('joined networks: every service joins each of them', () => {
  const { js } = parse(renderOverride(input({ joinedNetworks: ['cilo-shared-db', 'other'] })));
  for (const s of ['web', 'db']) {
    assert.deepEqual(js.services[s]!.networks['cilo-shared-db'], {});
    assert.deepEqual(js.services[s]!.networks.other, {});
  }
});

test('$ is doubled so Compose interpolation gives back the literal; odd characters stay quoted', () => {
  const text = renderOverride(
    input({ project: 'p$x', services: [{ name: 'we:b #1', networks: ['default'], dnsName: 'svc.dev.test', renameContainer: true }] }),
  );
  const { js } = parse(text);
  const svc = js.services['we:b #1'];
  assert.ok(svc, 'a service name with ":" and "#" survives');
  assert.equal(svc.labels['cilo.project'], 'p$$x', 'Compose turns $$ back into $');
  assert.equal(svc.container_name, 'dev-we:b #1');
  assert.ok(!/[^$]\$[^$]/.test(text.replace(/\$\$/g, '')), 'no single $ left in the text');
});

test('no services: still a valid override declaring the env network', () => {
  const { js } = parse(renderOverride(input({ services: [] })));
  assert.equal(js.services, null);
  assert.deepEqual(js.networks['cilo-dev'], { name: 'cilo-dev', external: true });
});

test('Compose merges it over a base file: ports removed, container_name replaced, networks added', (t) => {
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
      'networks:',
      '  backend: {}',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'override.yml'), renderOverride(input({ project: 'sh$op', joinedNetworks: ['cilo-shared-db'] })));
  const out = execFileSync('docker', ['compose', '-p', 'dev', '-f', 'compose.yaml', '-f', 'override.yml', 'config', '--format', 'json'], {
    cwd: dir,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' },
    encoding: 'utf8',
  });
  const m = JSON.parse(out) as { services: Record<string, any>; networks: Record<string, any> };
  assert.equal(m.services.web.ports, undefined, 'published ports are gone');
  assert.equal(m.services.db.ports, undefined);
  assert.equal(m.services.db.container_name, 'dev-db');
  assert.equal(m.services.web.container_name, undefined);
  // `config` prints a re-usable file, so it escapes `$` again: 'sh$$op' here is the value 'sh$op'. Had the
  // override not doubled the `$`, Compose would have interpolated `$op` away and printed 'sh'.
  assert.deepEqual(m.services.db.labels, { keep: 'yes', 'cilo.env': 'dev', 'cilo.project': 'sh$$op', 'cilo.home': 'abc123def456' });
  assert.deepEqual(Object.keys(m.services.db.networks).sort(), ['backend', 'cilo-dev', 'cilo-shared-db', 'default']);
  assert.equal(m.services.web.networks['cilo-dev'].ipv4_address, '10.224.0.2');
  assert.deepEqual(m.services.web.networks['cilo-dev'].aliases, ['web.dev.test']);
  for (const n of ['cilo-dev', 'cilo-shared-db']) {
    assert.equal(m.networks[n].name, n);
    assert.equal(m.networks[n].external, true);
  }
});

// The override of a one-off `run`: the same, minus that service's static addresses.
// `!reset` is Compose's tag: the yaml library would warn about it on every parse.
const parseQuiet = (text: string) => parseYaml(text, { logLevel: 'error' });

function runInput(): OverrideInput {
  return {
    envName: 'dev',
    project: 'shop',
    homeId: 'abc123',
    envNetwork: 'cilo-dev',
    publishedNetwork: 'cilo-shared-dev',
    joinedNetworks: ['cilo-shared-db'],
    services: [
      { name: 'app', networks: ['default'], dnsName: 'app.dev.test', ip: '10.224.0.2', sharedIp: '10.224.1.2', renameContainer: false },
      { name: 'db', networks: ['default', 'back'], dnsName: 'db.dev.test', ip: '10.224.0.3', sharedIp: '10.224.1.3', renameContainer: true },
      { name: 'w$x', networks: ['default'], dnsName: 'w-x.dev.test', ip: '10.224.0.4', renameContainer: false },
    ],
  };
}

test('withoutStaticAddresses drops only that service\'s addresses, everything else is unchanged', () => {
  const full = parseQuiet(renderOverride(runInput()));
  for (const svc of ['app', 'db', 'w$x']) {
    const dropped = parseQuiet(withoutStaticAddresses(renderOverride(runInput()), svc));
    const expected = structuredClone(full);
    const key = svc.split('$').join('$$'); // the override escapes $ for Compose's interpolation
    for (const net of Object.values(expected.services[key].networks) as ({ ipv4_address?: string } | null)[]) if (net) delete net.ipv4_address;
    assert.deepEqual(dropped, expected, svc);
  }
  assert.equal(withoutStaticAddresses(renderOverride(runInput()), 'nope'), renderOverride(runInput()), 'an unknown service changes nothing');
});

test('withoutStaticAddresses keeps the !reset tag and the text otherwise byte for byte', () => {
  const text = renderOverride(runInput());
  const out = withoutStaticAddresses(text, 'app');
  assert.equal(out, text.replace('        ipv4_address: "10.224.0.2"\n', '').replace('        ipv4_address: "10.224.1.2"\n', ''));
  assert.match(out, /ports: !reset \[\]/);
});
