// The checks of `cilo doctor` about the routers (docs/DESIGN.md §7, "The router"): one that should run and
// does not, and one that runs with other routes than the state's. Both are repaired by pushing the whole
// configuration again (and starting the router first when it is down).
import { EngineUnreachableError } from '../../../errors/index.js';
import { enginesInUse, type State } from '../../../state/schema.js';
import { onEngine, type Context } from '../../../context.js';
import { routable, syncRouter } from '../../steps/router.js';
import { routerStatus } from '../router-status.js';
import type { Check, Finding } from './checks.js';

/** The router of each engine with environments that this host reaches (`routable`), as it is. */
async function routers(state: State, ctx: Context) {
  if (!ctx.settings.router.enabled) return [];
  const out = [];
  for (const engine of enginesInUse(state)) {
    const on = onEngine(ctx, engine, state.hosts[engine]?.engine);
    if (!routable(on)) continue;
    try {
      out.push(await routerStatus(on));
    } catch (e) {
      // An engine that does not answer is reported as such (engine-unreachable); nothing to say here.
      if (!(e instanceof EngineUnreachableError)) throw e;
    }
  }
  return out;
}

const repair = async (ctx: Context) => syncRouter(ctx);

const routerDown: Check = {
  scope: 'home',
  kind: 'router-down',
  async find(state, ctx): Promise<Finding[]> {
    return (await routers(state, ctx))
      .filter((r) => r.hosts.length > 0 && r.container !== 'running')
      .map((r) => ({
        kind: 'router-down',
        engine: r.engine,
        subject: `router of ${r.engine}`,
        problem: `the router of engine ${r.engine} is ${r.container === 'absent' ? 'gone' : 'stopped'}, and ${r.hosts.length} names should answer there`,
        fix: 'start it again with every route',
      }));
  },
  repair,
};

const routerStale: Check = {
  scope: 'home',
  kind: 'router-stale',
  async find(state, ctx): Promise<Finding[]> {
    return (await routers(state, ctx))
      .filter((r) => r.container === 'running' && r.current === false)
      .map((r) => ({
        kind: 'router-stale',
        engine: r.engine,
        subject: `router of ${r.engine}`,
        problem: `the router of engine ${r.engine} runs with other routes than the environments there have`,
        fix: 'push the routes of the state again',
      }));
  },
  repair,
};

/** In the order --fix repairs them. */
export const ROUTER_CHECKS: readonly Check[] = [routerDown, routerStale];
