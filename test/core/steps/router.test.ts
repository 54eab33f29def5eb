// lib/core/steps/router.ts, routerPlan: what the router of an engine serves and which networks it stays on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routerPlan } from '../../../lib/core/steps/router.ts';
import { emptyState, localEnvironments, type EnvStatus } from '../../../lib/state/schema.ts';
import { envRecord } from '../../fakes.ts';

const web = (env: string) => ({
  web: { name: 'web', dns_name: `web.${env}.test`, addresses: [], replicas: 1, http_port: 80 },
});
const env = (name: string, status: EnvStatus) => envRecord(name, { status, services: web(name) });

test('routes of running environments; every name for the 404 page; networks of stopped ones kept, not of destroying ones', () => {
  const s = emptyState();
  Object.assign(localEnvironments(s), {
    'p/up': env('up', 'running'),
    'p/down': env('down', 'stopped'),
    'p/gone': env('gone', 'destroying'),
    'p/plain': envRecord('plain', { status: 'running' }),
  });
  s.hosts['tcp://far:2376'] = { environments: { 'p/far': env('far', 'running') } };
  const plan = routerPlan(s, 'local');
  assert.deepEqual(
    plan.routes.map((r) => r.hosts[0]),
    ['web.up.localhost'],
  );
  assert.deepEqual(plan.environments, ['down', 'plain', 'up']);
  assert.deepEqual([...plan.networks].sort(), ['cilo-down', 'cilo-up']);
  assert.deepEqual(
    routerPlan(s, 'tcp://far:2376').routes.map((r) => r.env),
    ['far'],
  );
});
