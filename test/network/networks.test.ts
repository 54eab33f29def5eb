// lib/network/networks.ts: labels of the networks cilo owns (creation itself is covered by the
// integration tests against a real engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkLabels } from '../../lib/network/labels.ts';
import { SubnetTakenError } from '../../lib/network/networks.ts';
import { homeId } from '../../lib/state/paths.ts';

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
