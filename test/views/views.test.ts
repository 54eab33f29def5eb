// lib/views/views.ts: what status, list and `cilo env` show of an environment — its access, ports and URLs, and
// the variables a program on this host connects with, the same shape whichever way the engine is reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionView, environmentView } from '../../lib/views/views.ts';
import { emptyState, localEnvironments, type Environment, type State } from '../../lib/state/schema.ts';
import { envRecord } from '../fakes.ts';

const web = { name: 'web', dns_name: 'web.dev.test', ip: '10.224.0.2', addresses: ['10.224.0.2'], replicas: 1 };
const db = { name: 'db', dns_name: 'db.dev.test', ip: '10.224.0.3', addresses: ['10.224.0.3'], replicas: 1 };

function stateWith(env: Environment, router = false): State {
  const s = emptyState();
  localEnvironments(s)['p/dev'] = env;
  if (router) s.hosts.local!.router = { http_port: 24001, https_port: 24002, admin_port: 24003 };
  return s;
}

const routed = envRecord('dev', {
  status: 'running',
  services: { web: { ...web, http_port: 3000 }, db },
  ports: [
    { service: 'web', target: 3000, protocol: 'tcp' },
    { service: 'db', target: 5432, protocol: 'tcp' },
    { service: 'db', target: 9187, protocol: 'tcp' },
  ],
});

const published = envRecord('dev', {
  status: 'running',
  access: 'published',
  services: {
    web: { ...web, http_port: 3000, replicas: 2 },
    db,
    worker: { ...db, name: 'worker', dns_name: 'worker.dev.test', ip: '10.224.0.4' },
  },
  ports: [
    { service: 'web', target: 3000, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24010, replicas: 2 },
    { service: 'db', target: 5432, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24012 },
  ],
});

test('routed, no router: a URL at the address and HTTP port; the variables name addresses and container ports', () => {
  const v = environmentView(stateWith(routed), 'p/dev', routed);
  assert.equal(v.access, 'routed');
  assert.equal(v.router, null);
  assert.equal(v.services.find((s) => s.name === 'web')?.url, 'http://10.224.0.2:3000/');
  assert.equal(v.services.find((s) => s.name === 'db')?.url, null, 'no HTTP port, no URL');
  assert.deepEqual(connectionView(v).variables, {
    DB_HOST: '10.224.0.3',
    DB_PORT: '5432',
    DB_PORT_5432: '5432',
    DB_PORT_9187: '9187',
    WEB_HOST: '10.224.0.2',
    WEB_PORT: '3000',
    WEB_URL: 'http://10.224.0.2:3000/',
  });
});

test('with a router: the URL is its .localhost name at its port (none shown when it is 80)', () => {
  const v = environmentView(stateWith(routed, true), 'p/dev', routed);
  assert.deepEqual(v.router, { http_port: 24001, https_port: 24002 });
  assert.equal(v.services.find((s) => s.name === 'web')?.url, 'http://web.dev.localhost:24001/');
  const s = stateWith(routed);
  s.hosts.local!.router = { http_port: 80, https_port: 443, admin_port: 24003 };
  assert.equal(environmentView(s, 'p/dev', routed).services[1]?.url, 'http://web.dev.localhost/');
});

test('what runs decides: no router running, the URL falls back to the address; no DNS server, no names on this host', () => {
  const state = stateWith(routed, true);
  const planned = environmentView(state, 'p/dev', routed);
  assert.equal(planned.names_resolve.on_host, true, 'as planned, when nobody asked what runs');
  const live = environmentView(state, 'p/dev', routed, undefined, { dnsServing: false, routerRunning: false });
  assert.equal(live.names_resolve.on_host, false);
  assert.equal(live.router, null);
  assert.equal(live.services.find((s) => s.name === 'web')?.url, 'http://10.224.0.2:3000/');
  const running = environmentView(state, 'p/dev', routed, undefined, { dnsServing: true, routerRunning: true });
  assert.equal(running.names_resolve.on_host, true);
  assert.equal(running.services.find((s) => s.name === 'web')?.url, 'http://web.dev.localhost:24001/');
  const unknown = environmentView(state, 'p/dev', routed, undefined, { dnsServing: true, routerRunning: undefined });
  assert.deepEqual(unknown.router, planned.router, 'an engine that did not answer: the record stands');
});

test('published: host ports (one per replica), 127.0.0.1 as the host, none for a service without ports', () => {
  const v = environmentView(stateWith(published), 'p/dev', published);
  assert.deepEqual(v.names_resolve, { in_containers: true, on_host: true });
  const webView = v.services.find((s) => s.name === 'web')!;
  assert.deepEqual(webView.ports, [
    { target: 3000, protocol: 'tcp', host_ip: '127.0.0.1', host_port: 24010, host_ports: [24010, 24011] },
  ]);
  assert.equal(webView.url, 'http://127.0.0.1:24010/');
  const c = connectionView(v);
  assert.equal(c.access, 'published');
  assert.deepEqual(c.services, [
    { name: 'db', host: '127.0.0.1', port: 24012, url: null },
    { name: 'web', host: '127.0.0.1', port: 24010, url: 'http://127.0.0.1:24010/' },
    { name: 'worker', host: null, port: null, url: null },
  ]);
  assert.deepEqual(c.variables, {
    DB_HOST: '127.0.0.1',
    DB_PORT: '24012',
    WEB_HOST: '127.0.0.1',
    WEB_PORT: '24010',
    WEB_URL: 'http://127.0.0.1:24010/',
  });
});

test('a stopped published environment has no address to fall back on: no URL without a host port', () => {
  const env = envRecord('dev', { access: 'published', services: { web: { ...web, http_port: 3000 } }, ports: [] });
  assert.equal(environmentView(stateWith(env), 'p/dev', env).services[0]?.url, null);
});

test('variable names: upper case, other characters as one underscore', () => {
  const env = envRecord('dev', {
    services: { 'my-api.v2': { ...web, name: 'my-api.v2', dns_name: 'my-api-v2.dev.test' } },
  });
  assert.deepEqual(Object.keys(connectionView(environmentView(stateWith(env), 'p/dev', env)).variables), [
    'MY_API_V2_HOST',
  ]);
});

test('ports_on: this host for a local socket, ssh (forwarded) or an endpoint naming no machine; the machine of tcp://', () => {
  for (const [host, where] of [
    ['unix:///run/user/1000/docker.sock', 'this host'],
    ['ssh://me@box', 'this host'],
    ['npipe:////./pipe/docker_engine', 'this host'],
    ['tcp://10.98.0.2:2375', '10.98.0.2'],
  ] as const) {
    const s = emptyState();
    s.hosts[host] = { engine: { docker_host: host }, environments: { 'p/dev': published } };
    const v = environmentView(s, 'p/dev', published);
    assert.equal(v.ports_on, where, host);
    assert.equal(v.names_resolve.on_host, where === 'this host', `${host}: names here only where the ports are`);
    assert.equal(connectionView(v).variables.WEB_HOST, where === 'this host' ? '127.0.0.1' : undefined, host);
  }
});
