// lib/core/plan/layout.ts: networks and volumes of an environment from its project model — what cilo refuses,
// which subnets and names each network gets, pinned addresses moved, and that the defaults fit 200 copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  layoutNetworks,
  movedAddress,
  networkSpec,
  networkSpecs,
  primaryNetwork,
  validateModel,
  type LayoutInput,
} from '../../../lib/core/plan/layout.ts';
import { register } from '../../../lib/core/plan/register.ts';
import { type ProjectModel } from '../../../lib/compose/model.ts';
import { contains, overlaps, parseCidr } from '../../../lib/network/subnet.ts';
import { parseSettings } from '../../../lib/settings.ts';
import { emptyState, localEnvironments, type Environment } from '../../../lib/state/schema.ts';
import { throwsUserError } from '../../helpers.ts';
import { projectModel as project } from '../../fakes.ts';

const LOCAL = { name: 'local', endpoint: { context: 'default' } };

const settings = parseSettings({});

const TWO = project(
  { web: {}, api: { networks: ['default', 'backend'] }, db: { networks: ['backend'] } },
  { backend: {} },
);
const PINNED = project(
  {
    api: { networks: { default: null, fixed: { ipv4_address: '172.28.5.10' }, outside: null } },
    db: { networks: { fixed: { ipv4_address: '172.28.5.11' }, named: null } },
  },
  {
    fixed: {
      ipam: { config: [{ subnet: '172.28.5.0/24', gateway: '172.28.5.1', aux_addresses: { router: '172.28.5.254' } }] },
    },
    named: { name: 'pinned-net', internal: true },
    outside: { external: true, name: 'corp' },
  },
  { data: { name: 'pgdata' }, plain: {}, ext: { external: true } },
);

function env(name: string, subnet = '10.224.0.0/24'): Environment {
  return {
    name,
    project: 'p',
    created_at: '',
    subnet,
    status: 'created',
    source: `/src/${name}`,
    services: {},
    shared_networks: [],
  };
}
const input = (model: ProjectModel): LayoutInput => ({
  model,
  pool: settings.pool,
  networkPrefix: settings.networkPrefix,
  foreignSubnets: [],
});

test('validateModel refuses what cilo cannot give each copy, naming the network and the service', () => {
  throwsUserError(
    () => validateModel(project({ a: { networks: ['v6'] } }, { v6: { enable_ipv6: true } })),
    /^network v6 uses IPv6/,
  );
  throwsUserError(
    () =>
      validateModel(
        project(
          { a: { networks: ['two'] } },
          { two: { ipam: { config: [{ subnet: '10.1.0.0/24' }, { subnet: '10.2.0.0/24' }] } } },
        ),
      ),
    /^network two pins 2 subnets/,
  );
  throwsUserError(
    () => validateModel(project({ a: { networks: { free: { ipv4_address: '10.1.0.5' } } } }, { free: {} })),
    /^service a pins ipv4_address 10\.1\.0\.5 on network free, whose subnet the files do not pin/,
  );
  throwsUserError(
    () => validateModel(project({ a: { networks: { default: { ipv4_address: '10.1.0.5' } } } })),
    /^service a pins ipv4_address 10\.1\.0\.5 on network default/,
  );
  throwsUserError(
    () =>
      validateModel(
        project(
          { a: { networks: { p: { ipv4_address: '10.9.0.5' } } } },
          { p: { ipam: { config: [{ subnet: '10.1.0.0/24' }] } } },
        ),
      ),
    /outside its subnet 10\.1\.0\.0\/24/,
  );
  throwsUserError(
    () => validateModel(project({ a: { networks: { p: { ipv6_address: 'fd00::5' } } } }, { p: {} })),
    /^service a pins an ipv6_address on network p/,
  );
  assert.doesNotThrow(
    () =>
      validateModel(project({ a: { networks: { corp: { ipv4_address: '10.9.0.5' } } } }, { corp: { external: true } })),
    "external networks are the user's",
  );
  assert.doesNotThrow(() => validateModel(PINNED));
});

test('two networks: default is cilo-<env> with its subnet, backend <env>_backend with a /26 from the pool; kept on the next up', () => {
  const s = emptyState();
  const e = env('dev');
  localEnvironments(s)['p/dev'] = e;
  assert.equal(layoutNetworks(s, e, input(TWO)), 1, 'one subnet allocated');
  assert.deepEqual(e.networks, {
    default: { name: 'cilo-dev', subnet: '10.224.0.0/24' },
    backend: { name: 'dev_backend', subnet: '10.224.1.0/26' },
  });
  assert.equal(layoutNetworks(s, e, input(TWO)), 0);
  assert.equal(e.networks.backend.subnet, '10.224.1.0/26');
  assert.deepEqual(
    [
      primaryNetwork(
        TWO.services.find((x) => x.name === 'db')!,
        TWO,
      ),
      primaryNetwork(
        TWO.services.find((x) => x.name === 'api')!,
        TWO,
      ),
    ],
    ['backend', undefined],
  );
});

test('pinned: the same size, the gateway and aux addresses moved, pinned names renamed, external ones untouched', () => {
  const s = emptyState();
  const e = env('dev');
  localEnvironments(s)['p/dev'] = e;
  layoutNetworks(s, e, { ...input(PINNED), foreignSubnets: ['10.224.1.0/24'] });
  assert.deepEqual(e.networks!.fixed, {
    name: 'dev_fixed',
    subnet: '10.224.2.0/24',
    gateway: '10.224.2.1',
    aux_addresses: { router: '10.224.2.254' },
    pinned: '172.28.5.0/24',
  });
  assert.deepEqual(e.networks!.named, { name: 'dev_pinned-net', subnet: '10.224.3.0/26', internal: true });
  assert.equal(e.networks!.outside, undefined);
  assert.deepEqual(e.volumes, { data: { name: 'dev_pgdata', pinned: 'pgdata' } });
  const db = PINNED.services.find((x) => x.name === 'db')!;
  assert.equal(movedAddress(db, 'fixed', PINNED, e.networks!), '10.224.2.11');
  assert.equal(movedAddress(db, 'named', PINNED, e.networks!), undefined);
});

test("network specs: cilo's layout for its own subnets, the moved one for pinned ones, cilo's labels over the files'", () => {
  const e = env('dev');
  e.networks = {
    default: { name: 'cilo-dev', subnet: '10.224.0.0/24' },
    fixed: {
      name: 'dev_fixed',
      subnet: '10.224.2.0/24',
      gateway: '10.224.2.1',
      pinned: '172.28.5.0/24',
      labels: { 'cilo.env': 'spoof', team: 'a' },
      internal: true,
    },
  };
  e.shared_subnet = '10.224.9.0/24';
  const [def, fixed, shared] = networkSpecs('/h', e);
  assert.deepEqual([def!.name, def!.gateway, def!.ipRange], ['cilo-dev', '10.224.0.1', '10.224.0.128/25']);
  assert.deepEqual(
    [fixed!.gateway, fixed!.ipRange, fixed!.internal, fixed!.labels.team, fixed!.labels['cilo.env']],
    ['10.224.2.1', undefined, true, 'a', 'dev'],
  );
  assert.deepEqual([shared!.name, shared!.labels['cilo.shared']], ['cilo-shared-dev', 'true']);
  assert.equal(networkSpec('/h', e, { name: 'x', subnet: '10.224.3.0/26' }).ipRange, '10.224.3.32/27');
  assert.deepEqual([shared!.driver, shared!.attachable], [undefined, undefined], 'shared-scope local: a bridge');
  const overlay = networkSpecs('/h', { ...e, shared_scope: 'swarm' }).at(-1)!;
  assert.deepEqual(
    [overlay.driver, overlay.attachable, overlay.ipRange],
    ['overlay', true, '10.224.9.128/25'],
    "swarm: an attachable overlay, the upper half Docker's",
  );
});

test('names: two keys pinning one name share it; a pinned name equal to another key is refused; the same for volumes', () => {
  const shared = project({ a: { networks: ['x', 'y'] } }, { x: { name: 'same' }, y: { name: 'same' } });
  const e = env('dev');
  const s = emptyState();
  layoutNetworks(s, e, input(shared));
  assert.deepEqual(e.networks!.x, e.networks!.y);
  throwsUserError(
    () =>
      layoutNetworks(
        emptyState(),
        env('dev'),
        input(project({ a: { networks: ['x', 'y'] } }, { x: {}, y: { name: 'x' } })),
      ),
    /networks x and y would both be dev_x/,
  );
  throwsUserError(
    () =>
      layoutNetworks(emptyState(), env('dev'), input(project({ a: {} }, {}, { data: {}, other: { name: 'data' } }))),
    /volume other is named data, which is also a volume/,
  );
});

test('a pinned default network sizes the environment subnet; changing it later is refused', () => {
  const model = project(
    { a: { networks: { default: { ipv4_address: '172.20.0.7' } } } },
    { default: { ipam: { config: [{ subnet: '172.20.0.0/16' }] } } },
  );
  const s = emptyState();
  const r = register(s, {
    name: 'dev',
    source: '/src/dev',
    suffix: 'test',
    model,
    joined: [],
    createShared: undefined,
    pool: settings.pool,
    networkPrefix: 26,
    foreignSubnets: [],
    access: 'routed',
    ports: { first: 24000, last: 27999 },
    foreignPorts: [],
    home: '/h',
    engine: LOCAL,
    now: 'n',
  });
  assert.equal(r.record.subnet, '10.224.0.0/16', 'the lowest free /16 of the pool');
  assert.equal(r.record.services.a!.ip, '10.224.0.7', "the pinned address moved, no address of cilo's");
  throwsUserError(
    () => layoutNetworks(s, { ...r.record, subnet: '10.224.0.0/24' }, input(model)),
    /pin a \/16 for the default network of dev, but it was registered with 10\.224\.0\.0\/24/,
  );
});

test('the default pool holds 200 environments of a project with two networks, all apart', () => {
  const s = emptyState();
  for (let i = 0; i < 200; i++)
    register(s, {
      name: `e${i}`,
      source: `/src/e${i}`,
      suffix: 'test',
      model: TWO,
      joined: [],
      createShared: undefined,
      pool: settings.pool,
      networkPrefix: settings.networkPrefix,
      foreignSubnets: [],
      access: 'routed',
      ports: { first: 24000, last: 27999 },
      foreignPorts: [],
      home: '/h',
      engine: LOCAL,
      now: 'n',
    });
  const subnets = Object.values(localEnvironments(s)).flatMap((e) => Object.values(e.networks!).map((n) => n.subnet));
  assert.equal(new Set(subnets).size, 400);
  const cidrs = subnets.map((x) => parseCidr(x)!);
  for (const c of cidrs) assert.ok(contains(settings.pool.pool, c.base), `${c.base} in the pool`);
  for (let a = 0; a < cidrs.length; a++)
    for (let b = a + 1; b < cidrs.length; b++)
      assert.ok(!overlaps(cidrs[a]!, cidrs[b]!), `${subnets[a]} / ${subnets[b]}`);
});
