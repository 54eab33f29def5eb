// The router of an engine (docs/DESIGN.md §7, "The router"): one Caddy container per engine and CILO_HOME.
// Each push runs under a lock of its own from a fresh read of the state, so the last push is of the newest
// state. The router is a convenience: when it cannot run, commands succeed and say why, once.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors/index.js';
import type { ContainerInfo } from '../../docker/objects.js';
import { EngineRefusedError, tolerating } from '../../docker/writes.js';
import { portFree } from '../../network/host-ports.js';
import { withFileLock } from '../../state/lock.js';
import { homeId } from '../../state/paths.js';
import { environmentsOf, engineOf, networksOf, type RouterRecord, type State } from '../../state/schema.js';
import { writeFileAtomic } from '../../state/store.js';
import type { Context } from '../../context.js';
import { plannedRoutes, type Route } from '../plan/environment.js';
import { allocatePorts, portsInUse } from '../plan/ports.js';
import { freeHostPorts, portsHeldByOthers } from './host-ports.js';
import { forwardTarget } from './forwards.js';
import { loadConfig } from './router-admin.js';
import { ADMIN_SOCKET, routerConfig, ROUTER_PORTS } from '../plan/router-config.js';

export const LABEL_ROUTER = 'cilo.router';
/** Where its admin API listens, inside it: a router without it is one of before the sealed admin API. */
const LABEL_ADMIN = 'cilo.router.admin';
const routerDir = (home: string) => join(home, 'router');
/** The router container of this home on an engine (each engine has its own; names are per engine). */
export const routerName = (home: string) => `cilo-router-${homeId(home)}`;

/**
 * What the router of this engine should serve: the routes of its running environments, and every name; and
 * the networks it stays on — those of every environment with routes, running or stopped (it leaves them on
 * destroy: a `down` then `up` does not make it leave and join again).
 */
export function routerPlan(
  state: State,
  engine: string,
): { routes: Route[]; environments: string[]; networks: Set<string> } {
  const envs = Object.entries(environmentsOf(state))
    .filter(([key, e]) => engineOf(state, key) === engine && e.status !== 'destroying')
    .map(([, e]) => e);
  return {
    routes: envs.filter((e) => e.status === 'running').flatMap(plannedRoutes),
    environments: envs.map((e) => e.name).sort(),
    networks: new Set(envs.flatMap(plannedRoutes).map((r) => r.network)),
  };
}

/**
 * The router's host ports: its record, or new ones — 80 and 443 when this host has them free and the engine
 * may bind them (a rootless one cannot go below 1024), else the range's lowest that nobody holds: not state,
 * not the engine's other containers, not a program on this host. Chosen outside the state lock (the host is
 * asked), recorded under it; a port another command recorded meanwhile is chosen again from the range.
 */
async function routerPorts(ctx: Context, state: State, rootless: boolean): Promise<RouterRecord> {
  const recorded = state.hosts[ctx.engine.name]?.router;
  if (recorded) return recorded;
  const range = ctx.settings.ports;
  const taken = new Set([...portsInUse(state), ...(await portsHeldByOthers(ctx))]);
  // A port below 1024: not for a rootless engine, nor for a forward from here unless cilo runs as root.
  const low = rootless || (forwardTarget(ctx) !== undefined && ctx.host.uid !== 0);
  const usable = async (p: number) => !(low && p < 1024) && !taken.has(p) && portFree('127.0.0.1', p, 'tcp');
  const { httpPort, httpsPort } = ctx.settings.router;
  const [http, https] = [(await usable(httpPort)) && httpPort, (await usable(httpsPort)) && httpsPort];
  const spare = await freeHostPorts(range, taken, 2);
  const ports = [http || spare.shift()!, https || spare.shift()!];
  return ctx.store.update((fresh) => {
    const host = (fresh.hosts[ctx.engine.name] ??= { environments: {} });
    if (host.router) return host.router;
    const now = portsInUse(fresh);
    const keep = (p: number) => (now.has(p) ? allocatePorts(range, now) : p);
    const chosen = ports.map((p) => {
      const port = keep(p);
      now.add(port);
      return port;
    });
    host.router = { http_port: chosen[0]!, https_port: chosen[1]! };
    return host.router;
  });
}

/** The image is here, or pulled; false (and a warning the first time) when it cannot be had. */
async function imageReady(ctx: Context): Promise<boolean> {
  const { image } = ctx.settings.router;
  if (await ctx.docker.hasImage(image)) return true;
  const pulled = await ctx.docker.run(['pull', '--quiet', image]);
  if (pulled.code === 0) return true;
  const marker = join(routerDir(ctx.home), 'unavailable');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== image) {
    ctx.log.warn(
      `the router image ${image} cannot be had (${pulled.stderr.trim().split('\n').pop()}): services answer on their ports, not at <service>.<env>.localhost`,
    );
    ctx.log.info(
      `to have the router: docker pull ${image} where a registry is reachable, or set CILO_ROUTER_IMAGE to an image of Caddy 2 you have (CILO_ROUTER=off silences this)`,
    );
    mkdirSync(routerDir(ctx.home), { recursive: true, mode: 0o700 });
    writeFileAtomic(marker, image, { durable: false });
  }
  return false;
}

/** Creates and starts the router with `config`, copied in first: its admin must listen from the first moment. */
async function startRouter(ctx: Context, ports: RouterRecord, config: unknown): Promise<'ports-taken' | undefined> {
  const name = routerName(ctx.home);
  const file = join(routerDir(ctx.home), `${homeId(ctx.engine.name)}.json`);
  mkdirSync(routerDir(ctx.home), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(config));
  const publish = (host: number, container: number) => ({ hostIp: '127.0.0.1', host, container });
  const spec = {
    name,
    image: ctx.settings.router.image,
    command: ['caddy', 'run', '--config', '/config/cilo-router.json', '--resume'],
    labels: { [LABEL_ROUTER]: homeId(ctx.home), [LABEL_ADMIN]: ADMIN_SOCKET },
    restart: 'unless-stopped',
    ports: [publish(ports.http_port, ROUTER_PORTS.http), publish(ports.https_port, ROUTER_PORTS.https)],
    volumes: [{ source: `${name}-data`, target: '/data' }],
  };
  try {
    const created = await ctx.docker.createContainer(spec).catch(tolerating('exists'));
    if (created)
      // A router without its config would start without routes: it goes again if the copy fails.
      await ctx.docker
        .check(['cp', file, `${name}:/config/cilo-router.json`], 'giving the router its config')
        .catch(async (e: unknown) => {
          await ctx.docker.removeContainers([created]);
          throw e;
        });
    await ctx.docker.startContainer(created || (await madeMeanwhile(ctx, name)));
  } catch (e) {
    if (e instanceof EngineRefusedError && e.refusal === 'port-taken') return 'ports-taken';
    throw e;
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * The router another command created meanwhile (two starting it at once): by its labels, for a name can be
 * taken by a container cilo did not make (a service's `container_name`), which it never starts.
 */
async function madeMeanwhile(ctx: Context, name: string): Promise<string> {
  const [c] = await ctx.docker.inspectContainers([name]);
  if (c?.labels[LABEL_ROUTER] === homeId(ctx.home) && c.labels[LABEL_ADMIN] === ADMIN_SOCKET) return c.id;
  throw new UserError(
    `a container named ${name} exists, and it is not the router cilo made for this home`,
    `remove or rename it (docker rm -f ${name}) if it is not yours to keep; cilo never starts or removes it`,
  );
}

/**
 * The router running, with `config` if it starts now. Its recorded ports taken meanwhile by something else
 * (a stopped router's, after `router stop`): it is made again on new ones, and says so. Undefined: no image.
 */
async function runningRouter(ctx: Context, state: State, rootless: boolean, config: unknown) {
  const router = await sealedRouter(ctx);
  const ports = await routerPorts(ctx, state, rootless);
  if (router?.running) return { router, ports };
  if (!router && !(await imageReady(ctx))) return undefined;
  if ((await startRouter(ctx, ports, config)) !== 'ports-taken') return { router: await findRouter(ctx), ports };
  const moved = await forgetRouter(ctx);
  const again = await routerPorts(ctx, ctx.store.read(), rootless);
  ctx.log.warn(`the router's ports ${portList(moved)} are taken on this host: it moves to ${portList(again)}`);
  if ((await startRouter(ctx, again, config)) === 'ports-taken')
    throw new UserError(`starting the router failed: its new ports ${portList(again)} were taken at once`);
  return { router: await findRouter(ctx), ports: again };
}

const portList = (r: RouterRecord | undefined) => (r ? `${r.http_port}, ${r.https_port}` : '-');

/**
 * The router, unless it is one of before the sealed admin API (an admin port published on this host, the API
 * open to every container it joined): such a one is removed, to be made again (its CA volume stays).
 */
async function sealedRouter(ctx: Context): Promise<ContainerInfo | undefined> {
  const router = await findRouter(ctx);
  if (!router || router.labels[LABEL_ADMIN] === ADMIN_SOCKET) return router;
  ctx.log.info('the router is made again with its admin API sealed inside it (docs/DESIGN.md §13)');
  await ctx.docker.removeContainers([router.id]);
  return undefined;
}

/** Removes the router container and its port record (its CA volume stays); what the record held. */
async function forgetRouter(ctx: Context): Promise<RouterRecord | undefined> {
  const router = await findRouter(ctx);
  if (router) await ctx.docker.removeContainers([router.id]);
  return ctx.store.update((state) => {
    const host = state.hosts[ctx.engine.name];
    const old = host?.router;
    if (host) delete host.router;
    return old;
  });
}

/** Joins the `wanted` networks, leaves the other networks of this home's environments. */
async function attach(
  ctx: Context,
  router: ContainerInfo,
  wanted: ReadonlySet<string>,
  ours: ReadonlySet<string>,
): Promise<void> {
  for (const net of wanted)
    if (!(net in router.networks))
      // Missing: an environment created, never started; its first `up` makes the network, and joins then.
      await ctx.docker.connect(net, router.id).catch((e: unknown) => {
        if (!(e instanceof EngineRefusedError)) throw e;
        if (e.refusal !== 'exists' && e.refusal !== 'missing')
          ctx.log.warn(`the router could not join ${net}: ${e.engineMessage}`);
      });
  for (const net of Object.keys(router.networks))
    if (ours.has(net) && !wanted.has(net)) await ctx.docker.disconnect(net, router.id);
}

/** The router of this engine, as it runs now (undefined: none). */
export async function findRouter(ctx: Context): Promise<ContainerInfo | undefined> {
  return (await ctx.docker.listContainers([`${LABEL_ROUTER}=${homeId(ctx.home)}`]))[0];
}

const routerLock = (ctx: Context) => join(routerDir(ctx.home), `${homeId(ctx.engine.name)}.lock`);

/**
 * Removes the router of this engine (`cilo router stop`); the next `up` starts it again. Its data volume (the
 * CA its HTTPS names are signed by, which `cilo router trust` may have installed) and its ports stay, unless
 * `purge`: then they go too, and the next router gets a new CA and new ports.
 */
export async function stopRouter(ctx: Context, purge: boolean): Promise<{ removed: boolean; routes: number }> {
  mkdirSync(routerDir(ctx.home), { recursive: true, mode: 0o700 });
  return withFileLock(
    routerLock(ctx),
    async () => {
      const router = await findRouter(ctx);
      if (purge) {
        await forgetRouter(ctx);
        await ctx.docker.removeVolumes([`${routerName(ctx.home)}-data`]);
      } else if (router) await ctx.docker.removeContainers([router.id]);
      return { removed: router !== undefined, routes: routerPlan(ctx.store.read(), ctx.engine.name).routes.length };
    },
    ctx.locks,
  );
}

/** An engine whose router this host reaches: on this machine, or over ssh (its ports forwarded here). */
export const routable = (ctx: Context): boolean => ctx.docker.isLocal() || forwardTarget(ctx) !== undefined;

/**
 * Brings the router of this engine in line with the state: started with the first route, on the networks it
 * needs, with every route; left alone on engines this host cannot reach (see `routable`).
 */
export async function syncRouter(ctx: Context, rootless = false): Promise<void> {
  if (!ctx.settings.router.enabled || !routable(ctx)) return;
  mkdirSync(routerDir(ctx.home), { recursive: true, mode: 0o700 });
  await withFileLock(
    routerLock(ctx),
    async () => {
      const state = ctx.store.read();
      const { routes, environments, networks } = routerPlan(state, ctx.engine.name);
      if (routes.length === 0 && !(await findRouter(ctx))) return;
      const config = routerConfig(routes, environments);
      const running = await runningRouter(ctx, state, rootless, config);
      if (!running) return;
      const { router } = running;
      rmSync(join(routerDir(ctx.home), 'unavailable'), { force: true });
      const ours = new Set(
        Object.values(environmentsOf(state)).flatMap((e) => Object.values(networksOf(e)).map((n) => n.name)),
      );
      if (router) await attach(ctx, router, networks, ours);
      if (router) await loadConfig(ctx.docker, router.id, config, 10_000);
    },
    ctx.locks,
  );
}
