// lib/dns/records.ts: DNS labels for services and the records served per environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsLabelsForServices, recordsByEnvironment, servedSuffixes } from '../../lib/dns/records.ts';
import { isDnsLabel } from '../../lib/state/names.ts';
import {
  emptyState,
  localEnvironments,
  type EnvStatus,
  type Environment,
  type ServiceRecord,
  type State,
} from '../../lib/state/schema.ts';

test('dnsLabelsForServices: DNS labels are kept; others normalized', () => {
  assert.deepEqual(dnsLabelsForServices(['web', 'db', 'api-v2']), { web: 'web', db: 'db', 'api-v2': 'api-v2' });
  assert.deepEqual(dnsLabelsForServices(['Web_App', 'cache.1']), { Web_App: 'web-app', 'cache.1': 'cache-1' });
  assert.deepEqual(dnsLabelsForServices(['___']), { ___: 'svc' }, 'nothing left: "svc"');
  assert.deepEqual(dnsLabelsForServices([]), {});
});

test('dnsLabelsForServices: a name that is a label keeps it; clashing normalized names get -2, -3 in sorted order', () => {
  // 'a-b' is a DNS label already; the normalized ones follow in code-unit order: 'A.B' < 'a_b'
  const want = { 'a-b': 'a-b', 'A.B': 'a-b-2', a_b: 'a-b-3' };
  assert.deepEqual(dnsLabelsForServices(['a_b', 'a-b', 'A.B']), want);
  assert.deepEqual(dnsLabelsForServices(['a-b', 'A.B', 'a_b']), want);
  // a service literally named like a suffixed label does not get the same label
  const got = dnsLabelsForServices(['a-b', 'a-b-2', 'a_b']);
  assert.deepEqual(got, { 'a-b': 'a-b', 'a-b-2': 'a-b-2', a_b: 'a-b-3' });
  // two empty normalizations
  assert.deepEqual(dnsLabelsForServices(['__', '___']), { __: 'svc', ___: 'svc-2' });
});

test('dnsLabelsForServices: labels are always distinct, valid DNS labels, also for long names', () => {
  const long = 'x'.repeat(70);
  const names = [
    long,
    long.toUpperCase(),
    `${long}_`,
    'Ä',
    'é',
    '-',
    'ok',
    'OK',
    'o_k',
    '9',
    ...Array.from({ length: 12 }, (_, i) => `s_${'.'.repeat(i)}`),
  ];
  const labels = Object.values(dnsLabelsForServices(names));
  assert.equal(labels.length, names.length);
  assert.equal(new Set(labels).size, labels.length, `distinct: ${labels.join(' ')}`);
  for (const l of labels) assert.ok(isDnsLabel(l), `${l} is a DNS label`);
});

function svc(name: string, addresses: string[], shared?: string[]): ServiceRecord {
  return {
    name,
    dns_name: `${name}.x.test`,
    addresses,
    replicas: addresses.length || 1,
    ...(shared ? { shared_addresses: shared } : {}),
  };
}

function stateWith(envs: { name: string; status: EnvStatus; services: ServiceRecord[]; suffix?: string }[]): State {
  const s = emptyState();
  for (const e of envs) {
    const env: Environment = {
      name: e.name,
      project: 'p',
      created_at: 'now',
      subnet: '10.224.0.0/24',
      status: e.status,
      source: '/src',
      services: Object.fromEntries(
        e.services.map((x) => [x.name, { ...x, dns_name: `${x.name}.${e.name}.${e.suffix ?? 'test'}` }]),
      ),
      shared_networks: [],
      ...(e.suffix ? { dns_suffix: e.suffix } : {}),
    };
    localEnvironments(s)[`p/${e.name}`] = env;
  }
  return s;
}

test('recordsByEnvironment: running environments only', () => {
  const s = stateWith([
    { name: 'up1', status: 'running', services: [svc('web', ['10.224.0.2'])] },
    { name: 'stopped', status: 'stopped', services: [svc('web', ['10.224.1.2'])] },
    { name: 'created', status: 'created', services: [svc('web', ['10.224.2.2'])] },
    { name: 'destroying', status: 'destroying', services: [svc('web', ['10.224.4.2'])] },
  ]);
  const r = recordsByEnvironment(s);
  assert.deepEqual([...r.keys()], ['up1']);
  assert.deepEqual(r.get('up1'), [{ name: 'web.up1.test', addresses: ['10.224.0.2'] }]);
});

test('recordsByEnvironment: shared addresses preferred; services without addresses omitted; sorted', () => {
  const s = stateWith([
    {
      name: 'db',
      status: 'running',
      services: [
        svc('postgres', ['10.224.0.2'], ['10.224.1.2']),
        svc('redis', ['10.224.0.3'], []), // exported but not on the shared network right now: env address
        svc('admin', ['10.224.0.4']),
        svc('worker', ['10.224.0.130', '10.224.0.129']), // scaled: every replica
        svc('gone', []), // stopped service
      ],
    },
  ]);
  assert.deepEqual(recordsByEnvironment(s).get('db'), [
    { name: 'admin.db.test', addresses: ['10.224.0.4'] },
    { name: 'postgres.db.test', addresses: ['10.224.1.2'] },
    { name: 'redis.db.test', addresses: ['10.224.0.3'] },
    { name: 'worker.db.test', addresses: ['10.224.0.129', '10.224.0.130'] },
  ]);
});

test('recordsByEnvironment: a running environment with nothing to serve has an empty list', () => {
  const r = recordsByEnvironment(stateWith([{ name: 'empty', status: 'running', services: [svc('web', [])] }]));
  assert.deepEqual(r.get('empty'), []);
  assert.equal(recordsByEnvironment(emptyState()).size, 0);
});

test('servedSuffixes: every environment’s suffix and the default one, sorted and unique', () => {
  const s = stateWith([
    { name: 'a', status: 'running', services: [] },
    { name: 'b', status: 'stopped', services: [], suffix: 'dev' },
    { name: 'c', status: 'running', services: [], suffix: 'dev' },
  ]);
  assert.deepEqual(servedSuffixes(s, 'test'), ['dev', 'test']);
  assert.deepEqual(
    servedSuffixes(emptyState(), 'test'),
    ['test'],
    'the default suffix is served before any environment exists',
  );
  assert.deepEqual(servedSuffixes(s, 'internal'), ['dev', 'internal', 'test']);
});

test('recordsByEnvironment: a published environment answers 127.0.0.1 (its ports and the router are there)', () => {
  const s = stateWith([{ name: 'pub', status: 'running', services: [svc('web', ['172.18.0.2']), svc('db', [])] }]);
  localEnvironments(s)['p/pub']!.access = 'published';
  assert.deepEqual(recordsByEnvironment(s).get('pub'), [
    { name: 'db.pub.test', addresses: ['127.0.0.1'] },
    { name: 'web.pub.test', addresses: ['127.0.0.1'] },
  ]);
});

test("recordsByEnvironment: another engine's environments only when published and that engine's socket is here", () => {
  const s = emptyState();
  const env = (name: string, access?: 'published'): Environment => ({
    name,
    project: 'p',
    created_at: 'now',
    subnet: '10.224.0.0/24',
    status: 'running',
    source: '/src',
    services: { web: { ...svc('web', ['10.0.0.2']), dns_name: `web.${name}.test` } },
    shared_networks: [],
    ...(access ? { access } : {}),
  });
  s.hosts['unix:///run/rootless.sock'] = {
    engine: { docker_host: 'unix:///run/rootless.sock' },
    environments: { 'p/rl': env('rl', 'published'), 'p/rl-routed': env('rl-routed') },
  };
  s.hosts['tcp://far:2376'] = {
    engine: { docker_host: 'tcp://far:2376' },
    environments: { 'p/far': env('far', 'published') },
  };
  assert.deepEqual([...recordsByEnvironment(s).keys()], ['rl']);
});
