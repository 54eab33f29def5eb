// lib/core/use-cases/gc.ts: durations, and which idle environments go — a publisher only once every
// consumer of it goes, after them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, planGc } from '../../../lib/core/plan/gc.ts';
import { emptyState, localEnvironments } from '../../../lib/state/schema.ts';
import { UserError } from '../../../lib/errors/index.ts';
import { envRecord } from '../../fakes.ts';

test('durations: 90m, 12h, 7d, 2w, plain seconds; anything else is an error with an example', () => {
  assert.deepEqual(
    ['90m', '12h', '7d', '2w', '30', '0s', '1.5h'].map(parseDuration),
    [5_400_000, 43_200_000, 604_800_000, 1_209_600_000, 30_000, 0, 5_400_000],
  );
  for (const bad of ['', 'soon', '-1h', '5y'])
    assert.throws(
      () => parseDuration(bad),
      (e: unknown) => e instanceof UserError && /90m/.test(e.hint ?? ''),
    );
});

const NOW = new Date('2026-12-06T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

function state(
  used: Record<string, number>,
  shared: Record<string, string[]> = {},
  pinned: ReadonlyMap<string, string> = new Map(),
) {
  const s = emptyState();
  for (const name of Object.keys(used)) localEnvironments(s)[`p/${name}`] = envRecord(name);
  for (const [pub, users] of Object.entries(shared))
    s.shared_networks[`cilo-shared-${pub}`] = {
      name: `cilo-shared-${pub}`,
      created_by: `p/${pub}`,
      created_at: '',
      referenced_by: [`p/${pub}`, ...users.map((u) => `p/${u}`)],
    };
  return planGc(s, (env) => hoursAgo(used[env.name]!), NOW, 24 * 3_600_000, pinned);
}

test('only environments idle for at least the given time, with when they were last used', () => {
  const plan = state({ old: 30, fresh: 2 });
  assert.deepEqual(plan.remove, [
    {
      key: 'p/old',
      name: 'old',
      engine: 'local',
      status: 'running',
      last_used: hoursAgo(30).toISOString(),
      idle_seconds: 108_000,
    },
  ]);
  assert.deepEqual(plan.kept, []);
});

test('a publisher used by an environment that stays is kept, with the reason', () => {
  const plan = state({ pub: 48, user: 1 }, { pub: ['user'] });
  assert.deepEqual(plan.remove, []);
  assert.deepEqual(
    plan.kept.map((k) => [k.name, k.reason]),
    [['pub', 'its shared network is used by p/user']],
  );
});

test('a publisher whose consumers all go, goes after them (whatever the order of the state)', () => {
  const plan = state({ pub: 48, b: 30, a: 30 }, { pub: ['a', 'b'] });
  assert.deepEqual(
    plan.remove.map((e) => e.name),
    ['b', 'a', 'pub'],
  );
});

test('a pinned environment (it runs, it is marked keep) stays with its reason, and so does the publisher it uses', () => {
  const pinned = new Map([['p/a', '1 of its containers run (--include-running removes it too)']]);
  const plan = state({ pub: 48, a: 30, b: 30 }, { pub: ['a'] }, pinned);
  assert.deepEqual(
    plan.remove.map((e) => e.name),
    ['b'],
  );
  assert.deepEqual(
    plan.kept.map((k) => [k.name, k.reason]),
    [
      ['pub', 'its shared network is used by p/a'],
      ['a', '1 of its containers run (--include-running removes it too)'],
    ],
  );
});
