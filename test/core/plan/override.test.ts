// lib/core/plan/override.ts: what the override says for an environment — the project's default network as
// cilo-<env>, aliases on every network a service is on, pinned addresses moved, an external default,
// external networks left alone, the published and joined networks, renamed volumes; and the two variants
// derived from it (a preview, a one-off run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overrideFor, withoutAddresses, withoutStaticAddresses } from '../../../lib/core/plan/override.ts';
import { renderOverride, type OverrideInput } from '../../../lib/compose/override.ts';
import { register } from '../../../lib/core/plan/register.ts';
import { type ProjectModel } from '../../../lib/compose/model.ts';
import { parseSettings } from '../../../lib/settings.ts';
import { emptyState } from '../../../lib/state/schema.ts';
import { projectModel as project } from '../../fakes.ts';

const LOCAL = { name: 'local', endpoint: { context: 'default' } };

const settings = parseSettings({});

function plan(
  model: ProjectModel,
  o: { joined?: string[]; createShared?: boolean; additions?: Parameters<typeof register>[1]['additions'] } = {},
) {
  const r = register(emptyState(), {
    name: 'dev',
    source: '/src/dev',
    suffix: 'test',
    model,
    joined: o.joined ?? [],
    createShared: o.createShared,
    pool: settings.pool,
    networkPrefix: 26,
    foreignSubnets: [],
    access: 'routed',
    ports: { first: 24000, last: 27999 },
    foreignPorts: [],
    home: '/h',
    engine: LOCAL,
    now: 'n',
    additions: o.additions,
  });
  const out = overrideFor('/h', r.record, model, o.joined ?? []);
  const svc = (name: string) =>
    Object.fromEntries(
      out.services.find((s) => s.name === name)!.networks.map((n) => [n.key, { ...n, key: undefined }]),
    );
  return { out, svc, record: r.record };
}

test('a plain project: its default network is the environment network, one network per service', () => {
  const { out, svc } = plan(project({ web: { container_name: 'w' } }));
  assert.deepEqual(out.networks, [{ key: 'default', name: 'cilo-dev', replaces: true }]);
  assert.deepEqual(svc('web'), { default: { key: undefined, ipv4: '10.224.0.2', aliases: ['web.dev.test'] } });
  assert.equal(out.services[0]!.renameContainer, true);
});

test("two networks: aliases on each network a service is on; a service off the default network has no address of cilo's", () => {
  const { out, svc, record } = plan(
    project({ web: {}, api: { networks: ['default', 'backend'] }, db: { networks: ['backend'] } }, { backend: {} }),
  );
  assert.deepEqual(
    out.networks.map((n) => [n.key, n.name]),
    [
      ['backend', 'dev_backend'],
      ['default', 'cilo-dev'],
    ],
  );
  assert.deepEqual(Object.keys(svc('api')), ['default', 'backend']);
  assert.deepEqual(svc('api').backend!.aliases, ['api.dev.test']);
  assert.deepEqual(svc('db'), { backend: { key: undefined, ipv4: undefined, aliases: ['db.dev.test'] } });
  assert.deepEqual(
    [record.services.db!.ip, record.services.db!.network],
    [undefined, 'dev_backend'],
    "db's addresses are on dev_backend",
  );
  assert.equal(svc('web').backend, undefined, 'web stays off the backend, as in the files');
});

test('pinned addresses move with the subnet; external networks are listed untouched and not redeclared', () => {
  const { out, svc } = plan(
    project(
      {
        api: {
          networks: { default: null, fixed: { ipv4_address: '172.28.5.10' }, corp: { ipv4_address: '192.168.7.7' } },
        },
      },
      { fixed: { ipam: { config: [{ subnet: '172.28.5.0/24' }] } }, corp: { external: true } },
      { data: { name: 'pgdata' } },
    ),
  );
  assert.equal(svc('api').fixed!.ipv4, '10.224.1.10');
  assert.deepEqual(svc('api').corp, { key: undefined });
  assert.deepEqual(out.networks.map((n) => n.key).sort(), ['default', 'fixed']);
  assert.deepEqual(out.volumes, [{ key: 'data', name: 'dev_pgdata' }]);
});

test('an external default network: kept as it is, and every service also joins cilo-<env>', () => {
  const { out, svc } = plan(project({ web: {} }, { default: { external: true, name: 'proxy' } }));
  assert.deepEqual(out.networks, [{ key: 'cilo-dev', name: 'cilo-dev', replaces: false }]);
  assert.deepEqual(svc('web'), {
    default: { key: undefined },
    'cilo-dev': { key: undefined, ipv4: '10.224.0.2', aliases: ['web.dev.test'] },
  });
});

test('published and joined networks: exported services join the published one with their shared address; every service joins the joined ones', () => {
  const { out, svc } = plan(project({ pg: {} }), { createShared: true, joined: ['cilo-shared-tools'] });
  assert.deepEqual(
    out.networks.map((n) => [n.key, n.replaces]),
    [
      ['default', true],
      ['cilo-shared-dev', false],
      ['cilo-shared-tools', false],
    ],
  );
  assert.deepEqual(svc('pg')['cilo-shared-dev'], {
    key: undefined,
    ipv4: '10.224.1.2',
    aliases: ['pg.dev.test'],
    joined: true,
  });
  assert.deepEqual(svc('pg')['cilo-shared-tools'], { key: undefined, joined: true }, 'never the main network');
  assert.equal(svc('pg').default?.joined, undefined, 'its own network is');
});

test('withoutAddresses (the preview of an environment not registered yet): every address reset, nothing else', () => {
  const { out } = plan(project({ web: {}, db: { networks: ['default', 'back'] } }, { back: {} }), {
    createShared: true,
  });
  const preview = withoutAddresses(out);
  const addresses = (o: OverrideInput) => o.services.flatMap((s) => s.networks.map((n) => [s.name, n.key, n.ipv4]));
  assert.deepEqual(
    addresses(preview),
    addresses(out).map(([s, k, ip]) => [s, k, ip === undefined ? undefined : null]),
  );
  assert.ok(
    addresses(out).some(([, , ip]) => typeof ip === 'string'),
    'the plan had addresses to reset',
  );
  assert.deepEqual({ ...preview, services: [] }, { ...out, services: [] }, 'networks and volumes unchanged');
  assert.doesNotMatch(renderOverride(preview), /10\.224/);
});

test("withoutStaticAddresses (a one-off run): that service's addresses are reset on every network, nothing else changes", () => {
  const { out } = plan(project({ app: {}, db: {} }), { createShared: true, joined: ['cilo-shared-db'] });
  for (const svc of ['app', 'db']) {
    const run = withoutStaticAddresses(out, svc);
    for (const s of run.services) {
      const before = out.services.find((x) => x.name === s.name)!;
      if (s.name === svc)
        assert.deepEqual(
          s.networks,
          before.networks.map((n) => ({ ...n, ipv4: null })),
          svc,
        );
      else assert.deepEqual(s, before, `${s.name} keeps its addresses`);
    }
  }
  assert.deepEqual(withoutStaticAddresses(out, 'nope'), out, 'an unknown service changes nothing');
  const rendered = renderOverride(withoutStaticAddresses(out, 'app'));
  assert.match(rendered, /ports: !reset \[\]/);
  const app = rendered.slice(rendered.indexOf('  "app":'), rendered.indexOf('  "db":'));
  assert.doesNotMatch(app, /ipv4_address: "/, 'no address of its own for the one-off container');
  assert.match(app, /ipv4_address: !reset null/, 'an address its files pin is removed, not kept');
});

test('a fork with mounts it skips: each gets an empty volume of its own at that target, declared with the env name', () => {
  const { out, record } = plan(project({ web: {}, db: {} }), {
    additions: {
      empty_mounts: [
        { service: 'db', target: '/var/lib/db' },
        { service: 'db', target: '/seed' },
      ],
    },
  });
  assert.deepEqual(record.empty_mounts, [
    { service: 'db', target: '/var/lib/db' },
    { service: 'db', target: '/seed' },
  ]);
  assert.deepEqual(out.services.find((s) => s.name === 'db')!.emptyMounts, [
    { target: '/var/lib/db', volume: 'cilo-empty-0' },
    { target: '/seed', volume: 'cilo-empty-1' },
  ]);
  assert.deepEqual(out.services.find((s) => s.name === 'web')!.emptyMounts, []);
  assert.deepEqual(out.volumes, [
    { key: 'cilo-empty-0', name: 'dev_cilo-empty-0' },
    { key: 'cilo-empty-1', name: 'dev_cilo-empty-1' },
  ]);
});
