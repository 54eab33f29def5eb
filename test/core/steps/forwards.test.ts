// lib/core/steps/forwards.ts: which ports an engine over ssh has forwarded here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardedPorts } from '../../../lib/core/steps/forwards.ts';
import { emptyState } from '../../../lib/state/schema.ts';
import { envRecord } from '../../fakes.ts';

const BOX = 'ssh://me@box';

test("forwardedPorts: each TCP host port of the engine's environments (a replica each), the router's while one is there", () => {
  const state = emptyState();
  state.hosts[BOX] = {
    engine: { docker_host: BOX },
    router: { http_port: 24000, https_port: 24001 },
    environments: {
      'p/a': envRecord('a', {
        status: 'stopped',
        ports: [
          { service: 'web', target: 80, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24010, replicas: 2 },
          { service: 'dns', target: 53, protocol: 'udp', host_ip: '127.0.0.1', host_port: 24020 },
          { service: 'worker', target: 9000, protocol: 'tcp' },
        ],
      }),
    },
  };
  state.hosts.local!.environments['p/b'] = envRecord('b', {
    ports: [{ service: 'web', target: 80, protocol: 'tcp', host_port: 24030 }],
  });
  assert.deepEqual(forwardedPorts(state, BOX), [24000, 24001, 24010, 24011], 'stopped too: down keeps its ports');
  delete state.hosts[BOX].environments['p/a'];
  assert.deepEqual(forwardedPorts(state, BOX), [], 'the last one gone: the router is not forwarded either');
});
