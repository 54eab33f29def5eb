// lib/docker/docker.ts against the real engine: Compose version, networks and containers as cilo reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { socketApi } from '../../lib/docker/api.ts';
import { Docker } from '../../lib/docker/docker.ts';
import { EngineRefusedError } from '../../lib/docker/writes.ts';
import { dockerLines, requireDocker, uniqueName } from '../helpers.ts';

test('the real engine: Compose version, networks and containers as cilo reads them', async (t) => {
  if (!requireDocker(t)) return;
  const d = new Docker(process.env);
  assert.match(await d.composeVersion(), /^2\.\d+\.\d+$/);
  assert.equal(await d.inspectNetwork(uniqueName('no-such-net-')), undefined);
  const bridge = await d.inspectNetwork('bridge');
  assert.equal(bridge?.name, 'bridge');

  const name = uniqueName('dockertest');
  const label = `cilo.test=${name}`;
  t.after(() => {
    const ids = dockerLines(['ps', '-aq', '--filter', `label=${label}`]);
    if (ids.length) dockerLines(['rm', '-f', ...ids]);
    for (const n of dockerLines(['network', 'ls', '-q', '--filter', `label=${label}`]))
      dockerLines(['network', 'rm', n]);
  });
  // A subnet outside cilo's default pool, so no environment test is disturbed.
  try {
    await d.createNetwork({
      name,
      subnet: '10.238.77.0/24',
      gateway: '10.238.77.1',
      ipRange: '10.238.77.128/25',
      labels: { 'cilo.test': name, 'cilo.env': name },
    });
  } catch (e) {
    if (e instanceof EngineRefusedError && e.refusal === 'overlap')
      return t.skip('10.238.77.0/24 is taken on this engine');
    throw e;
  }
  const net = await d.inspectNetwork(name);
  assert.deepEqual(net?.subnets, ['10.238.77.0/24']);
  assert.deepEqual(net?.labels, { 'cilo.test': name, 'cilo.env': name });
  assert.deepEqual(
    (await d.listNetworks((n) => n === name)).map((n) => n.name),
    [name],
  );
  assert.ok((await d.listNetworks()).some((n) => n.name === name && n.subnets[0] === '10.238.77.0/24'));

  const run = await d.run([
    'run',
    '-d',
    '--init',
    '--pull',
    'never',
    '--label',
    label,
    '--network',
    name,
    '--ip',
    '10.238.77.5',
    'cilo-fixture:busybox',
    'sleep',
    '100000',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [c] = await d.listContainers([label]);
  assert.equal(c?.running, true);
  assert.equal(c?.networks[name], '10.238.77.5');
  assert.equal(c?.labels['cilo.test'], name);
  assert.equal(Object.values((await d.inspectNetwork(name))!.containers)[0]?.ipv4, '10.238.77.5');

  await assert.rejects(
    d.removeNetwork(name),
    (e) => e instanceof EngineRefusedError && e.refusal === 'in-use',
    'a network with a container attached cannot be removed',
  );
  await d.removeContainers([c.id]);
  assert.deepEqual(await d.listContainers([label]), []);
  await d.removeNetwork(name);
  assert.equal(await d.inspectNetwork(name), undefined);
});

test('the real engine: /info over its socket is the engine docker info describes', async (t) => {
  if (!requireDocker(t)) return;
  const cli = await new Docker(process.env).engineInfo();
  const api = await new Docker(process.env, undefined, 'local', undefined, socketApi(homedir())).engineInfo();
  assert.deepEqual(api, cli);
  assert.match(api.id, /\S/);
});
