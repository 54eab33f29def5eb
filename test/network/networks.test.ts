// lib/network/networks.ts: names and labels of the networks cilo owns (creation itself is covered by the
// integration tests against a real engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envNetworkName, LABEL_ENV, LABEL_HOME, LABEL_MANAGED, LABEL_PROJECT, LABEL_SHARED, networkLabels, sharedNetworkName, SubnetTakenError } from '../../lib/network/networks.ts';
import { homeId } from '../../lib/state/paths.ts';
import { NETWORK_NAME } from '../../lib/compose/x-cilo.ts';

test('network names: cilo-<env> and cilo-shared-<env>, valid Docker network names for any environment name', () => {
  assert.equal(envNetworkName('dev'), 'cilo-dev');
  assert.equal(sharedNetworkName('db'), 'cilo-shared-db');
  const longest = 'a'.repeat(63);
  for (const n of [envNetworkName(longest), sharedNetworkName(longest), envNetworkName('0'), sharedNetworkName('a-b')]) assert.ok(NETWORK_NAME.test(n), n);
});

test('label keys and networkLabels', () => {
  assert.deepEqual([LABEL_MANAGED, LABEL_ENV, LABEL_PROJECT, LABEL_SHARED, LABEL_HOME], ['cilo.managed', 'cilo.env', 'cilo.project', 'cilo.shared', 'cilo.home']);
  assert.deepEqual(networkLabels('/h/.cilo', { name: 'dev', project: 'shop' }), {
    'cilo.managed': 'true',
    'cilo.env': 'dev',
    'cilo.project': 'shop',
    'cilo.home': homeId('/h/.cilo'),
  });
  assert.notEqual(networkLabels('/a', { name: 'dev', project: 'p' })['cilo.home'], networkLabels('/b', { name: 'dev', project: 'p' })['cilo.home']);
});

test('SubnetTakenError carries the subnet', () => {
  const e = new SubnetTakenError('10.224.3.0/24');
  assert.equal(e.subnet, '10.224.3.0/24');
  assert.match(e.message, /10\.224\.3\.0\/24 overlaps an existing Docker network/);
});
