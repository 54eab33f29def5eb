// lib/core/steps/ownership.ts: which objects of a Compose project a first registration may take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../lib/errors/index.ts';
import { foreignObjects, ownershipFor, type ProjectObjects } from '../../../lib/core/steps/ownership.ts';
import { homeId } from '../../../lib/state/paths.ts';

/** The hint of a refusal for a project in `source`. */
function ownershipHint(source: string): string {
  try {
    ownershipFor(HOME, 'myapp', source, plainProject, false);
  } catch (e) {
    return (e as UserError).hint ?? '';
  }
  return assert.fail('not refused');
}

const HOME = '/home/me/.cilo';
const mine = { 'cilo.home': homeId(HOME) };
const none: ProjectObjects = { containers: [], volumes: [], networks: [] };
const plainProject: ProjectObjects = {
  containers: [{ name: 'myapp-db-1', labels: {} }],
  volumes: [
    { name: 'myapp_data', labels: {} },
    { name: 'myapp_cache', labels: mine },
  ],
  networks: [{ name: 'myapp_default', labels: {} }],
};

test("a project with nothing on the engine, or only this home's objects: registered, its objects labelled", () => {
  assert.deepEqual(ownershipFor(HOME, 'myapp', '/src/myapp', none, false), { labelled: true });
  const ours = { ...none, containers: [{ name: 'myapp-db-1', labels: mine }] };
  assert.deepEqual(ownershipFor(HOME, 'myapp', '/src/myapp', ours, false), { labelled: true });
});

test('objects cilo did not create: refused with each named and the way to adopt them; adopted, its volumes kept', () => {
  assert.deepEqual(foreignObjects(HOME, plainProject), {
    plain: ['container myapp-db-1', 'volume myapp_data', 'network myapp_default'],
    otherHomes: [],
  });
  assert.throws(
    () => ownershipFor(HOME, 'myapp', '/src/myapp', plainProject, false),
    (e: unknown) =>
      e instanceof UserError &&
      /container myapp-db-1, volume myapp_data, network myapp_default; cilo changes nothing/.test(e.message) &&
      /cilo create myapp --from \/src\/myapp --adopt/.test(e.hint ?? '') &&
      /--from <dir>/.test(ownershipHint('/a dir/with space')),
  );
  assert.deepEqual(ownershipFor(HOME, 'myapp', '/src/myapp', plainProject, true), {
    labelled: true,
    adopted_volumes: ['myapp_data'],
  });
});

test("another cilo home's objects: refused, adopt or not (that home destroys them)", () => {
  const theirs = { ...none, volumes: [{ name: 'dev_data', labels: { 'cilo.home': 'someone-else' } }] };
  for (const adopt of [false, true])
    assert.throws(
      () => ownershipFor(HOME, 'dev', '/src/dev', theirs, adopt),
      (e: unknown) => e instanceof UserError && /belongs to another cilo home: volume dev_data/.test(e.message),
    );
});
