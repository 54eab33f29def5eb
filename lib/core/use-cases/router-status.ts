// What the router of an engine is doing, compared with what it should do (`cilo router status`, `cilo doctor`),
// and the root of its certificate authority (`cilo router trust`).
import { UserError } from '../../errors/index.js';
import type { Context } from '../../context.js';
import { AdminError, currentConfig } from '../steps/router-admin.js';
import { routerConfig, sameConfig } from '../plan/router-config.js';
import { findRouter, routerName, routerPlan } from '../steps/router.js';

export interface RouterStatus {
  engine: string;
  enabled: boolean;
  image: string;
  /** `running`, `stopped`, or `absent` (not started yet: no environment has had an HTTP service). */
  container: 'running' | 'stopped' | 'absent';
  ports: { http: number; https: number } | null;
  /** Every name it should answer for. */
  hosts: string[];
  /** What it runs is what it should run (null when it cannot be asked). */
  current: boolean | null;
}

/** The router of this context's engine, as it runs and as state says it should. */
export async function routerStatus(ctx: Context): Promise<RouterStatus> {
  const state = ctx.store.read();
  const { routes, environments } = routerPlan(state, ctx.engine.name);
  const record = state.hosts[ctx.engine.name]?.router;
  const container = await findRouter(ctx);
  let current: boolean | null = null;
  if (container?.running && record) {
    try {
      current = sameConfig(await currentConfig(ctx.docker, container.id), routerConfig(routes, environments));
    } catch (e) {
      if (!(e instanceof AdminError)) throw e;
    }
  }
  return {
    engine: ctx.engine.name,
    enabled: ctx.settings.router.enabled,
    image: ctx.settings.router.image,
    container: container ? (container.running ? 'running' : 'stopped') : 'absent',
    ports: record ? { http: record.http_port, https: record.https_port } : null,
    hosts: routes.flatMap((r) => r.hosts),
    current,
  };
}

/** The PEM of the root certificate the router's HTTPS names are signed by (kept in its data volume). */
export async function routerRoot(ctx: Context): Promise<string> {
  if (!(await findRouter(ctx)))
    throw new UserError(
      `engine ${ctx.engine.name} has no router yet`,
      'it starts with the first environment that has an HTTP service: cilo up <name>',
    );
  const r = await ctx.docker.run(['exec', routerName(ctx.home), 'cat', '/data/caddy/pki/authorities/local/root.crt']);
  if (r.code === 0) return r.stdout;
  // Images without `cat` (the test image is Caddy alone): the file, copied out as a tar stream.
  const tar = await ctx.docker.run(['cp', `${routerName(ctx.home)}:/data/caddy/pki/authorities/local/root.crt`, '-']);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(tar.stdout)?.[0];
  if (!pem)
    throw new UserError(
      `the router has no certificate authority yet: ${r.stderr.trim() || tar.stderr.trim()}`,
      'it makes one for its first HTTPS name; ask https://<service>.<env>.localhost once, then again',
    );
  return pem;
}
