// lib/core/plan/environment.ts: an environment's plan as one value, decided on a state — the registration,
// its networks with subnets and attributes, its addresses, renamed volumes and the override — and the
// preview `config` shows, the same function on a copy of the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planEnvironment, plannedNetworks, previewPlan, type PlanInputs } from '../../../lib/core/plan/environment.ts';
import { parseSettings } from '../../../lib/settings.ts';
import { homeId } from '../../../lib/state/paths.ts';
import { emptyState, localEnvironments, type State } from '../../../lib/state/schema.ts';
import { throwsUserError } from '../../helpers.ts';
import { projectModel as project } from '../../fakes.ts';

const settings = parseSettings({});

const SHOP = project(
  { web: { networks: ['default', 'back'] }, db: { networks: ['back'], volumes: ['data:/var/lib'] } },
  { back: { internal: true, ipam: { config: [{ subnet: '172.28.0.0/24' }] } } },
  { data: { name: 'pgdata' } },
);

function inputs(over: Partial<PlanInputs> = {}): PlanInputs {
  return {
    name: 'dev',
    home: '/home/me/.cilo',
    source: '/src/shop',
    suffix: 'test',
    model: SHOP,
    joined: [],
    createShared: undefined,
    pool: settings.pool,
    networkPrefix: settings.networkPrefix,
    foreignSubnets: [],
    access: 'routed',
    ports: { first: 24000, last: 27999 },
    foreignPorts: [],
    engine: { name: 'local', endpoint: { context: 'default' } },
    now: '2026-12-06T00:00:00.000Z',
    ...over,
  };
}

test('a first plan: the record in the new state, every network with subnet and attributes, addresses, volumes, the override', () => {
  const state = emptyState();
  const plan = planEnvironment(state, inputs({ createShared: ['db'] }));
  assert.equal(plan.registeredNow, true);
  assert.equal(plan.state, state, 'the plan is decided on (and changes) the state it is given');
  assert.deepEqual(localEnvironments(state)['shop/dev'], plan.record);
  assert.deepEqual(
    plan.networks.map((n) => [
      n.name,
      n.subnet,
      n.internal ?? false,
      n.labels['cilo.home'],
      n.labels['cilo.shared'] ?? '',
    ]),
    [
      ['cilo-dev', '10.224.0.0/24', false, homeId('/home/me/.cilo'), ''],
      ['dev_back', '10.224.1.0/24', true, homeId('/home/me/.cilo'), ''],
      ['cilo-shared-dev', '10.224.2.0/24', false, homeId('/home/me/.cilo'), 'true'],
    ],
    "the environment network, the project's pinned network at the size it pins, the published one",
  );
  assert.deepEqual(plan.record.services.web!.ip, '10.224.0.2');
  assert.deepEqual(plan.record.services.db!.shared_ip, '10.224.2.2');
  assert.deepEqual(plan.record.volumes, { data: { name: 'dev_pgdata', pinned: 'pgdata' } });
  const web = plan.override.services.find((s) => s.name === 'web')!;
  assert.deepEqual(
    web.networks.map((n) => [n.key, n.ipv4]),
    [
      ['default', '10.224.0.2'],
      ['back', undefined],
    ],
  );
  const db = plan.override.services.find((s) => s.name === 'db')!;
  assert.deepEqual(
    db.networks.map((n) => [n.key, n.ipv4]),
    [
      ['back', undefined],
      ['cilo-shared-dev', '10.224.2.2'],
    ],
  );
  assert.deepEqual(plan.override.volumes, [{ key: 'data', name: 'dev_pgdata' }]);
  assert.deepEqual(
    plan.networks,
    plannedNetworks('/home/me/.cilo', plan.record),
    "doctor's view of the plan is the plan's",
  );
});

test('a second plan of the same environment keeps what it has: subnets, addresses, nothing new', () => {
  const state = emptyState();
  const first = planEnvironment(state, inputs());
  const again = planEnvironment(state, inputs({ now: '2026-12-07T00:00:00.000Z' }));
  assert.equal(again.registeredNow, false);
  assert.deepEqual(again.networks, first.networks);
  assert.deepEqual(again.override, first.override);
  assert.equal(again.record.updated_at, first.record.updated_at, 'nothing changed: updated_at stays');
});

test('the plan refuses what the registration refuses, naming it (another source)', () => {
  const state = emptyState();
  planEnvironment(state, inputs());
  throwsUserError(
    () => planEnvironment(state, inputs({ source: '/src/other' })),
    /belongs to \/src\/shop, not \/src\/other/,
  );
});

test('previewPlan: the same function on a copy — the state is untouched; an unregistered one shows no addresses', () => {
  const state: State = emptyState();
  const before = JSON.stringify(state);
  const preview = previewPlan(state, inputs());
  assert.equal(JSON.stringify(state), before, 'a preview changes nothing');
  assert.equal(preview.registeredNow, true);
  const addresses = preview.override.services.flatMap((s) =>
    s.networks.map((n) => n.ipv4).filter((a) => a !== undefined),
  );
  assert.ok(addresses.length > 0 && addresses.every((a) => a === null), 'every address reset, none allocated');

  const up = planEnvironment(state, inputs());
  const registered = previewPlan(state, inputs());
  assert.equal(registered.registeredNow, false);
  assert.deepEqual(registered.override, up.override, 'a registered environment: exactly what its up is given');
});
