// lib/network/networks.ts: labels of the networks cilo owns (creation itself is covered by the
// integration tests against a real engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkLabels } from '../../lib/network/labels.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { UserError } from '../../lib/errors/index.ts';
import { ensureNetwork, SubnetTakenError } from '../../lib/network/networks.ts';
import { homeId } from '../../lib/state/paths.ts';
import { fakeRunner } from '../fakes.ts';
import { tempDir } from '../helpers.ts';

test('networkLabels', () => {
  assert.deepEqual(networkLabels('/h/.cilo', { name: 'dev', project: 'shop' }), {
    'cilo.managed': 'true',
    'cilo.env': 'dev',
    'cilo.project': 'shop',
    'cilo.home': homeId('/h/.cilo'),
  });
  assert.notEqual(
    networkLabels('/a', { name: 'dev', project: 'p' })['cilo.home'],
    networkLabels('/b', { name: 'dev', project: 'p' })['cilo.home'],
  );
});

test('SubnetTakenError carries the subnet', () => {
  const e = new SubnetTakenError('10.224.3.0/24');
  assert.equal(e.subnet, '10.224.3.0/24');
  assert.match(e.message, /10\.224\.3\.0\/24 overlaps an existing Docker network/);
});

test("ensureNetwork: Docker's pools used up (engine 20.10's words and 28's) is its own error; an overlap is a taken subnet", async (t) => {
  const spec = { name: 'cilo-dev', subnet: '10.224.3.0/24', labels: {} };
  const create = async (stderr: string) => {
    const { runner } = fakeRunner((args) =>
      args[1] === 'inspect' ? { code: 1, stderr: 'Error: No such network: cilo-dev' } : { code: 1, stderr },
    );
    const deps = { docker: new Docker({}, runner), home: tempDir(t), locks: {}, log: { warn: () => {} } };
    return ensureNetwork(deps, spec).then(
      () => assert.fail('created'),
      (e: unknown) => e,
    );
  };
  for (const words of [
    'Error response from daemon: could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    'Error response from daemon: all predefined address pools have been fully subnetted',
  ]) {
    const e = await create(words);
    assert.ok(e instanceof UserError && !(e instanceof SubnetTakenError), String(e));
    assert.match(e.message, /Docker has no address pool left for network cilo-dev/);
  }
  assert.ok(
    (await create('Error response from daemon: Pool overlaps with other one on this address space')) instanceof
      SubnetTakenError,
  );
});

test('ensureNetwork: made meanwhile by another CILO_HOME (another account, whose lock is not ours): cilo’s own error', async (t) => {
  const home = tempDir(t);
  const spec = {
    name: 'cilo-race',
    subnet: '10.224.3.0/24',
    labels: networkLabels(home, { name: 'race', project: 'p' }),
  };
  const theirs = { ...spec.labels, 'cilo.home': homeId('/home/other/.cilo') };
  let made = false;
  const { runner } = fakeRunner((args) => {
    if (args[1] === 'create') {
      made = true;
      return { code: 1, stderr: 'Error response from daemon: network with name cilo-race already exists' };
    }
    if (!made) return { code: 1, stderr: 'Error: No such network: cilo-race' };
    return {
      stdout: JSON.stringify({
        Id: 'n1',
        Name: 'cilo-race',
        IPAM: { Config: [{ Subnet: spec.subnet }] },
        Labels: theirs,
      }),
    };
  });
  const deps = { docker: new Docker({}, runner), home, locks: {}, log: { warn: () => {} } };
  await assert.rejects(ensureNetwork(deps, spec), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /Docker network cilo-race belongs to an environment of another CILO_HOME/);
    assert.match(e.hint ?? '', /pick another name/);
    return true;
  });
});
