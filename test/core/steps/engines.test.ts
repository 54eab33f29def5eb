// lib/core/steps/engines.ts over fake engines: a command about an environment goes to the engine it lives on; an
// engine is judged by its ID; one that does not answer is "unreachable", never a reason to assume anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindToEnvironment, checkIdentity, engineStatuses, probeEngine } from '../../../lib/core/steps/engines.ts';
import { createContext } from '../../../lib/context.ts';
import { emptyState, type Environment, type State } from '../../../lib/state/schema.ts';
import { envRecord, FakeEngine, fakeContext } from '../../fakes.ts';
import { throwsUserError } from '../../helpers.ts';

const E2 = 'tcp://engine2:2375';
const env = (name: string, over: Partial<Environment> = {}) => envRecord(name, over);

function world(): State {
  const s = emptyState();
  s.hosts.local!.environments['p/here'] = env('here');
  s.hosts[E2] = { environments: { 'p/there': env('there') }, engine: { docker_host: E2, id: 'ID:TWO' } };
  return s;
}

test('bindToEnvironment: the engine the environment lives on, whatever DOCKER_HOST says; --context elsewhere is refused', async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  const s = world();
  assert.equal(bindToEnvironment(ctx, s, 'here'), ctx, 'same engine: the same context');
  assert.equal(bindToEnvironment(ctx, s, 'new-one'), ctx, 'a name state does not know stays where the command is');
  const there = bindToEnvironment(ctx, s, 'there');
  assert.deepEqual([there.engine.name, there.engine.endpoint.docker_host, there.docker.engine], [E2, E2, E2]);
  engine.others[E2] = new FakeEngine();
  engine.others[E2].addNetwork('only-on-e2', '10.9.0.0/24');
  assert.deepEqual(
    (await there.docker.listNetworks()).map((n) => n.name),
    ['only-on-e2'],
    'its docker calls reach that engine',
  );

  const pinned = createContext({ ...ctx, processEnv: { PATH: process.env.PATH }, contextFlag: 'build' });
  throwsUserError(
    () => bindToEnvironment(pinned, s, 'here'),
    /environment here lives on engine local, not on build \(--context build\)/,
  );
  const onE2 = createContext({ ...ctx, processEnv: { DOCKER_HOST: E2 } });
  assert.equal(
    bindToEnvironment(onE2, s, 'here').engine.name,
    'local',
    'DOCKER_HOST alone does not move an environment',
  );
});

test('checkIdentity and probeEngine: ok, unreachable, or answering as another engine', async (t) => {
  const engine = new FakeEngine();
  const ctx = fakeContext(t, engine);
  const s = world();
  assert.doesNotThrow(() =>
    checkIdentity(s, E2, {
      id: 'ID:TWO',
      podman: false,
      architecture: 'x86_64',
      operatingSystem: 'Debian',
      serverVersion: '20.10.24',
      rootless: false,
      swarm: { state: 'inactive', nodeId: '', manager: false, managers: [] },
    }),
  );
  assert.doesNotThrow(
    () =>
      checkIdentity(s, 'local', {
        id: 'ANY',
        podman: false,
        architecture: 'x86_64',
        operatingSystem: 'Debian',
        serverVersion: '20.10.24',
        rootless: false,
        swarm: { state: 'inactive', nodeId: '', manager: false, managers: [] },
      }),
    'no ID recorded yet',
  );
  throwsUserError(
    () =>
      checkIdentity(s, E2, {
        id: 'ID:OTHER',
        podman: false,
        architecture: 'x86_64',
        operatingSystem: 'Debian',
        serverVersion: '20.10.24',
        rootless: false,
        swarm: { state: 'inactive', nodeId: '', manager: false, managers: [] },
      }),
    /engine tcp:\/\/engine2:2375 \(DOCKER_HOST=tcp:\/\/engine2:2375\) now answers as another Docker engine: ID ID:OTHER, state recorded ID:TWO/,
  );

  engine.others[E2] = null;
  const down = await probeEngine(ctx, s, E2);
  assert.deepEqual(
    [down.status, down.status === 'unreachable' && /Cannot connect/.test(down.reason)],
    ['unreachable', true],
  );
  engine.others[E2] = Object.assign(new FakeEngine(), {});
  engine.others[E2].info.id = 'ID:OTHER';
  assert.equal((await probeEngine(ctx, s, E2)).status, 'replaced');
  engine.others[E2].info.id = 'ID:TWO';
  assert.equal((await probeEngine(ctx, s, E2)).status, 'ok');

  engine.others[E2] = null;
  const statuses = await engineStatuses(ctx, s);
  assert.deepEqual(
    [...statuses],
    [
      ['local', 'ok'],
      [E2, 'unreachable'],
    ],
  );
  assert.match(
    ctx.logged.join('\n'),
    /warn: engine tcp:\/\/engine2:2375 does not answer \(Cannot connect.*\): its environments are shown as cilo last recorded them/,
  );
});
