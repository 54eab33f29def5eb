// The router's whole configuration (Caddy's JSON), from the routes of the environments it serves: pure, so
// `cilo doctor` can compare it with what the router holds, and it is pushed whole on every change
// (docs/DESIGN.md §7, "The router"). The admin API stays on a unix socket inside the container, reached only
// through the engine, so no container of an environment and no other account can change it (docs/DESIGN.md §13).
import type { Route } from './environment.js';

/** Inside the container: where it listens (the host ports are the container's published ones). */
export const ROUTER_PORTS = { http: 80, https: 443 } as const;

/** The admin API's socket in the container; every config keeps it there (a /load may move the admin). */
export const ADMIN_SOCKET = '/config/cilo-admin.sock';

type Json = Record<string, unknown>;

/** Every replica of the service, looked up on the network's DNS each second (a scaled one is balanced). */
function proxy(r: Route): Json {
  return {
    handler: 'reverse_proxy',
    dynamic_upstreams: { source: 'a', name: r.upstream.name, port: String(r.upstream.port), refresh: '1s' },
  };
}

function notFound(environments: readonly string[]): Json {
  const listed = environments.length > 0 ? environments.join('\n  ') : '(none)';
  return {
    handle: [
      {
        handler: 'static_response',
        status_code: 404,
        headers: { 'Content-Type': ['text/plain; charset=utf-8'] },
        body: `cilo: no environment serves {http.request.host}.\nEnvironments this router serves:\n  ${listed}\n`,
      },
    ],
  };
}

function routesOf(routes: readonly Route[], environments: readonly string[]): Json[] {
  return [
    ...routes.map((r) => ({ match: [{ host: r.hosts }], handle: [proxy(r)], terminal: true })),
    notFound(environments),
  ];
}

/** The configuration for these routes; `environments`: the names the 404 page lists. */
export function routerConfig(routes: readonly Route[], environments: readonly string[]): Json {
  return {
    admin: { listen: `unix/${ADMIN_SOCKET}` },
    apps: {
      http: {
        servers: {
          http: {
            listen: [`:${ROUTER_PORTS.http}`],
            automatic_https: { disable: true },
            routes: routesOf(routes, environments),
          },
          https: {
            listen: [`:${ROUTER_PORTS.https}`],
            automatic_https: { disable_redirects: true },
            routes: routesOf(routes, environments),
          },
        },
      },
      // Certificates for every routed name from Caddy's own CA (`cilo router trust` prints its root).
      tls: { automation: { policies: [{ issuers: [{ module: 'internal' }] }] } },
      pki: { certificate_authorities: { local: { install_trust: false } } },
    },
  };
}

/** JSON with every object's keys sorted: Caddy gives its config back with its keys in its own order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical((v as Json)[k])]),
  );
}

/** Whether the router runs `expected` (what it gives back for its config, compared key order aside). */
export const sameConfig = (actual: unknown, expected: unknown) =>
  JSON.stringify(canonical(actual)) === JSON.stringify(canonical(expected));
