// lib/core/plan/router-config.ts and plannedRoutes (lib/core/plan/environment.ts): what the router is told, from
// the recorded environments alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plannedRoutes } from '../../../lib/core/plan/environment.ts';
import { routerConfig, ADMIN_SOCKET, sameConfig } from '../../../lib/core/plan/router-config.ts';
import { envRecord } from '../../fakes.ts';

const service = (name: string, over: object = {}) => ({
  name,
  dns_name: `${name}.dev.test`,
  addresses: [],
  replicas: 1,
  ...over,
});

const dev = envRecord('dev', {
  services: {
    web: service('web', { http_port: 3000, replicas: 2 }),
    api: service('api', { http_port: 8080, network: 'dev_back' }),
    db: service('db'),
  },
});

test('a route per service with an HTTP port, by its .localhost and suffixed names, on its network', () => {
  assert.deepEqual(plannedRoutes(dev), [
    {
      env: 'dev',
      service: 'web',
      hosts: ['web.dev.localhost', 'web.dev.test'],
      upstream: { name: 'web.dev.test', port: 3000 },
      network: 'cilo-dev',
    },
    {
      env: 'dev',
      service: 'api',
      hosts: ['api.dev.localhost', 'api.dev.test'],
      upstream: { name: 'api.dev.test', port: 8080 },
      network: 'dev_back',
    },
  ]);
});

test('a custom DNS suffix names the routes by it, and .localhost still', () => {
  const routes = plannedRoutes({
    ...dev,
    dns_suffix: 'internal',
    services: { web: service('web', { http_port: 80, dns_name: 'web.dev.internal' }) },
  });
  assert.deepEqual(routes[0]?.hosts, ['web.dev.localhost', 'web.dev.internal']);
});

test('the config: admin on a unix socket inside the router, HTTP and HTTPS with the same routes, then a 404 page', () => {
  const config = routerConfig(plannedRoutes(dev), ['dev', 'other']) as any;
  assert.equal(config.admin.listen, `unix/${ADMIN_SOCKET}`, 'never a TCP address a container could reach');
  const { http, https } = config.apps.http.servers;
  assert.deepEqual(http.listen, [':80']);
  assert.deepEqual(https.listen, [':443']);
  assert.deepEqual(http.routes, https.routes);
  assert.deepEqual(http.automatic_https, { disable: true }, 'plain HTTP is never redirected');
  assert.deepEqual(https.automatic_https, { disable_redirects: true });
  const [web, api, notFound] = http.routes;
  assert.deepEqual(web.match, [{ host: ['web.dev.localhost', 'web.dev.test'] }]);
  assert.deepEqual(web.handle[0].dynamic_upstreams, {
    source: 'a',
    name: 'web.dev.test',
    port: '3000',
    refresh: '1s',
  });
  assert.equal(api.handle[0].dynamic_upstreams.port, '8080');
  assert.equal(notFound.match, undefined, 'the 404 page answers every other name');
  assert.equal(notFound.handle[0].status_code, 404);
  assert.match(notFound.handle[0].body, /dev\n {2}other\n$/);
});

test('with no environment the 404 page says so', () => {
  const config = routerConfig([], []) as any;
  assert.match(config.apps.http.servers.http.routes[0].handle[0].body, /\(none\)/);
});

test('sameConfig ignores key order, not values', () => {
  const config = routerConfig(plannedRoutes(dev), ['dev']);
  const shuffled = Object.fromEntries(Object.entries(config).reverse());
  assert.ok(sameConfig(shuffled, config));
  assert.ok(!sameConfig(routerConfig(plannedRoutes(dev), ['dev', 'more']), config));
});
