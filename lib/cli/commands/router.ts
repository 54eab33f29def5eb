import { existsSync } from 'node:fs';
import type { Context } from '../../context.js';
import { UserError } from '../../errors/index.js';
import { asRoot, refuseUnderSudo, stopRouter, routerRoot, routerStatus } from '../../core/service.js';
import { homeId } from '../../state/paths.js';
import type { Output } from '../output.js';

export async function status(o: { json: boolean }, ctx: Context, out: Output): Promise<void> {
  const s = await routerStatus(ctx);
  if (o.json) return out.json(s);
  const state = s.container === 'running' ? out.paint.green('running') : out.paint.yellow(s.container);
  out.out(
    `router of engine ${s.engine}: ${s.enabled ? state : 'off (CILO_ROUTER=off)'}  image ${s.image}\n` +
      (s.ports
        ? `listens on 127.0.0.1:${s.ports.http} (http), 127.0.0.1:${s.ports.https} (https); admin API sealed inside it\n`
        : '') +
      `routes: ${s.hosts.length ? s.hosts.join(', ') : 'none'}\n` +
      (s.current === false ? "its routes are stale: run 'cilo doctor --fix'\n" : ''),
  );
}

/** The root certificate of the router's HTTPS names: printed, or installed in the system's trust store. */
export async function trust(o: { install: boolean }, ctx: Context, out: Output): Promise<void> {
  if (o.install) refuseUnderSudo(ctx, 'cilo router trust --install');
  const pem = await routerRoot(ctx);
  if (!o.install) return out.out(pem);
  const dir = '/usr/local/share/ca-certificates';
  if (!existsSync(dir))
    throw new UserError(
      `${dir} does not exist: this system's trust store is not Debian's`,
      'add the printed certificate (cilo router trust > cilo.crt) to your trust store by hand',
    );
  const file = `${dir}/cilo-router-${homeId(ctx.home)}.crt`;
  await asRoot(ctx, [{ path: file, content: pem }], [['update-ca-certificates']]);
  out.err(`installed ${file}; browsers with their own store (Firefox) need it added there too\n`);
}

/** Removes the router; the next `up` of an environment with an HTTP service starts it again. */
export async function stop(o: { json: boolean; purge: boolean }, ctx: Context, out: Output): Promise<void> {
  const r = await stopRouter(ctx, o.purge);
  if (o.json) return out.json({ engine: ctx.engine.name, ...r });
  out.err(
    r.removed ? `removed the router of engine ${ctx.engine.name}\n` : `engine ${ctx.engine.name} runs no router\n`,
  );
  if (r.routes > 0)
    ctx.log.warn(
      `${r.routes} route(s) of running environments no longer answer at their names until the next 'cilo up' (or 'cilo doctor --fix')`,
    );
}
