// lib/core/steps/swarm.ts over fake engines: what cilo checks before a consumer joins an overlay network from
// another engine of the swarm, each failure naming the engine; and when Compose needs an anchor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCanPublish, checkSwarmJoin, subnetsOnOtherEngines } from '../../../lib/core/steps/swarm.ts';
import { onEngine } from '../../../lib/context.ts';
import type { EngineInfo } from '../../../lib/docker/objects.ts';
import { emptyState, type Environment, type State } from '../../../lib/state/schema.ts';
import { envRecord, FakeEngine, fakeContext } from '../../fakes.ts';
import { rejection, throwsUserError } from '../../helpers.ts';

const E2 = 'tcp://engine2:2375';
const NET = 'cilo-shared-db';
const env = (name: string, over: Partial<Environment> = {}) => envRecord(name, over);
const worker = (managers = ['m1']): EngineInfo => ({
  id: 'W',
  podman: false,
  architecture: 'x86_64',
  operatingSystem: 'Debian',
  serverVersion: '20.10.24',
  rootless: false,
  swarm: { state: 'active', nodeId: 'w1', manager: false, managers },
});

/** A publisher of a swarm network on the local engine (a manager), and engine 2 (a worker) to join from. */
function setup(t: Parameters<typeof fakeContext>[0]) {
  const manager = new FakeEngine();
  Object.assign(manager.info, { swarm: 'active', nodeId: 'm1', manager: true, managers: ['m1'] });
  manager.addNetwork(NET, '10.224.1.0/24', {}, 'swarm');
  const e2 = new FakeEngine();
  manager.others[E2] = e2;
  const s: State = emptyState();
  s.hosts.local!.environments['p/db'] = env('db', { shared_subnet: '10.224.1.0/24', shared_scope: 'swarm' });
  s.hosts[E2] = { environments: {}, engine: { docker_host: E2 } };
  s.shared_networks[NET] = {
    name: NET,
    created_by: 'p/db',
    created_at: '',
    referenced_by: ['p/db'],
    subnet: '10.224.1.0/24',
    scope: 'swarm',
  };
  const ctx = onEngine(fakeContext(t, manager), E2, { docker_host: E2 });
  return { manager, e2, s, ctx };
}

test('checkCanPublish: only a swarm manager creates an overlay', (t) => {
  const { ctx } = setup(t);
  const info = worker();
  throwsUserError(
    () => checkCanPublish(ctx, 'db', info),
    /db publishes with shared-scope swarm, but engine tcp:\/\/engine2:2375 is a worker: only a swarm manager/,
  );
  throwsUserError(
    () => checkCanPublish(ctx, 'db', { ...info, swarm: { ...info.swarm, state: 'inactive' } }),
    /is not in a swarm \(Swarm: inactive\)/,
  );
  assert.doesNotThrow(() => checkCanPublish(ctx, 'db', { ...info, swarm: { ...info.swarm, manager: true } }));
});

test('checkSwarmJoin: a worker of the same swarm may join; Compose before 2.29 needs an anchor, later ones not', async (t) => {
  const old = setup(t);
  assert.equal(await checkSwarmJoin(old.ctx, old.s, NET, worker()), true, 'Compose 2.26: an anchor');
  const fixed = setup(t);
  fixed.e2.composeVersion = '2.29.0';
  assert.equal(await checkSwarmJoin(fixed.ctx, fixed.s, NET, worker()), false, 'Compose 2.29 attaches by itself');
});

test('checkSwarmJoin: each refusal names the engine and says what to do', async (t) => {
  const { manager, e2, s, ctx } = setup(t);
  const alone = { ...worker(), swarm: { state: 'inactive', nodeId: '', manager: false, managers: [] } };
  assert.match(
    (await rejection(checkSwarmJoin(ctx, s, NET, alone))).message,
    /engine tcp:\/\/engine2:2375 cannot see the shared network cilo-shared-db: it is not in a swarm \(Swarm: inactive\), and cilo-shared-db is an overlay of engine local's swarm/,
  );
  assert.match(
    (await rejection(checkSwarmJoin(ctx, s, NET, worker(['m9'])))).message,
    /it is in another swarm than engine local/,
  );
  e2.addNetwork('corp', '10.224.1.128/25');
  assert.match(
    (await rejection(checkSwarmJoin(ctx, s, NET, worker()))).message,
    /engine tcp:\/\/engine2:2375 has Docker network corp \(10\.224\.1\.128\/25\), which overlaps cilo-shared-db \(10\.224\.1\.0\/24\)/,
  );
  e2.networks = [];
  manager.networks = [];
  assert.match(
    (await rejection(checkSwarmJoin(ctx, s, NET, worker()))).message,
    /does not exist on engine local, its publisher's/,
  );
  s.hosts.local!.engine = { context: 'default', id: 'RECORDED' };
  assert.match(
    (await rejection(checkSwarmJoin(ctx, s, NET, worker()))).message,
    /engine local, where cilo-shared-db is published, cannot be asked about it: engine local .*now answers as another Docker engine/,
  );
});

test('subnetsOnOtherEngines: the bridge networks of every other engine that answers; a silent one is warned about', async (t) => {
  const { manager, e2, s } = setup(t);
  s.hosts[E2]!.environments['p/c'] = env('c');
  e2.addNetwork('build-net', '10.224.4.0/24');
  e2.addNetwork(NET, '10.224.1.0/24', {}, 'swarm');
  const ctx = fakeContext(t, manager);
  assert.deepEqual(
    await subnetsOnOtherEngines(ctx, s),
    ['10.224.4.0/24'],
    "the overlay itself is the manager's to list",
  );
  manager.others[E2] = null;
  assert.deepEqual(await subnetsOnOtherEngines(ctx, s), []);
  assert.match(
    ctx.logged.join('\n'),
    /engine tcp:\/\/engine2:2375 does not answer: its networks were not checked for overlaps/,
  );
});
