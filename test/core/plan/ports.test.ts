// lib/core/plan/ports.ts: host ports in `published` access — the range's lowest free ones, kept across
// plans, never one state or the host holds, a block for a scaled service's replicas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatePorts, portsInUse, publishedPorts, routedPorts } from '../../../lib/core/plan/ports.ts';
import { emptyState, localEnvironments } from '../../../lib/state/schema.ts';
import { envRecord, projectModel } from '../../fakes.ts';
import { throwsUserError } from '../../helpers.ts';

const RANGE = { first: 24000, last: 24015 };
const WEBAPP = projectModel({
  web: { ports: ['8080:80'] },
  api: { ports: ['127.0.0.2:8081:80', '9000:90/udp'] },
  worker: {},
});

test('new ports: the lowest free of the range, in service order; a host address the files name is kept', () => {
  const ports = publishedPorts(emptyState(), envRecord('a'), { model: WEBAPP, ports: RANGE, foreignPorts: [] });
  assert.deepEqual(ports, [
    { service: 'api', target: 80, protocol: 'tcp', host_ip: '127.0.0.2', host_port: 24000 },
    { service: 'api', target: 90, protocol: 'udp', host_ip: '127.0.0.1', host_port: 24001 },
    { service: 'web', target: 80, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24002 },
  ]);
});

test('kept across plans; never one another environment, a router or the host holds; a scaled service gets a block', () => {
  const s = emptyState();
  localEnvironments(s)['p/b'] = envRecord('b', {
    ports: [{ service: 'web', target: 80, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24000 }],
  });
  s.hosts.local!.router = { http_port: 24001, https_port: 24002, admin_port: 24003 };
  const first = publishedPorts(s, envRecord('a'), { model: WEBAPP, ports: RANGE, foreignPorts: [24004] });
  assert.deepEqual(
    first.map((p) => p.host_port),
    [24005, 24006, 24007],
  );
  const again = publishedPorts(s, envRecord('a', { ports: first }), {
    model: WEBAPP,
    ports: RANGE,
    foreignPorts: [24004],
  });
  assert.deepEqual(again, first, 'the same ports');
  const taken = publishedPorts(s, envRecord('a', { ports: first }), {
    model: WEBAPP,
    ports: RANGE,
    foreignPorts: [24006],
  });
  assert.deepEqual(
    taken.map((p) => p.host_port),
    [24005, 24004, 24007],
    'only the one held elsewhere moves',
  );
  const scaled = publishedPorts(s, envRecord('a'), {
    model: WEBAPP,
    ports: RANGE,
    foreignPorts: [24004],
    scale: { web: 3 },
  });
  assert.deepEqual(
    scaled.find((p) => p.service === 'web'),
    { service: 'web', target: 80, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24007, replicas: 3 },
  );
  assert.deepEqual([...portsInUse(s)].sort(), [24000, 24001, 24002, 24003]);
});

test('routed: the container ports alone; a full range is a clear error', () => {
  assert.deepEqual(
    routedPorts(WEBAPP).map((p) => [p.service, p.target, p.host_port]),
    [
      ['api', 80, undefined],
      ['api', 90, undefined],
      ['web', 80, undefined],
    ],
  );
  throwsUserError(
    () => allocatePorts({ first: 24000, last: 24001 }, new Set([24000, 24001])),
    /no free port is left in CILO_PORT_RANGE 24000-24001/,
  );
  assert.equal(allocatePorts(RANGE, new Set([24001]), 2), 24002, 'two consecutive free ports');
});
