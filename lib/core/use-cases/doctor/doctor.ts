// `cilo doctor`: one look at state and at every engine it names, every check of the tables run on it (the
// *-checks.ts files beside it); --fix repairs the findings one by one, each on the engine it was found on. An
// engine that does not answer is a finding of its own, and nothing there is checked or changed (docs/DESIGN.md §10).
import { homeId } from '../../../state/paths.js';
import { LABEL_HOME } from '../../../network/labels.js';
import type { NetworkInfo } from '../../../docker/objects.js';
import { enginesInUse, engineOf, environmentsOf, type State } from '../../../state/schema.js';
import { onEngine, type Context } from '../../../context.js';
import { UserError } from '../../../errors/index.js';
import { surveyEngines, type EngineAnswer } from '../../steps/engines.js';
import type { Check, Finding, Snapshot } from './checks.js';
import { ENVIRONMENT_CHECKS } from './environment-checks.js';
import { FORWARD_CHECKS } from './forward-checks.js';
import { HOME_CHECKS } from './home-checks.js';
import { ORPHAN_CHECKS } from './orphan-checks.js';
import { ROUTER_CHECKS } from './router-checks.js';

export type { Finding, FindingKind } from './checks.js';

/** In the order --fix repairs them: each engine's (what a finished destroy removes first), then the home's. */
const CHECKS: readonly Check[] = [
  ...ENVIRONMENT_CHECKS,
  ...ORPHAN_CHECKS,
  ...HOME_CHECKS,
  ...ROUTER_CHECKS,
  ...FORWARD_CHECKS,
];

async function snapshot(ctx: Context, state: State, manager: boolean): Promise<Snapshot> {
  const [networks, containers] = await Promise.all([ctx.docker.listNetworks(), ctx.docker.listContainers([])]);
  const byName = new Map<string, NetworkInfo[]>();
  for (const n of networks) byName.set(n.name, [...(byName.get(n.name) ?? []), n]);
  const id = homeId(ctx.home);
  const envs = Object.entries(environmentsOf(state)).filter(([key]) => engineOf(state, key) === ctx.engine.name);
  return {
    state,
    engine: ctx.engine.name,
    envs,
    manager,
    networks,
    containers,
    byName,
    ours: (labels) => labels[LABEL_HOME] === id,
  };
}

function unanswered(state: State, a: Exclude<EngineAnswer, { status: 'ok' }>): Finding {
  const count = Object.keys(state.hosts[a.engine]?.environments ?? {}).length;
  return {
    kind: 'engine-unreachable',
    subject: a.engine,
    problem: `${a.status === 'unreachable' ? `engine ${a.engine} does not answer (${a.reason})` : a.reason}: its ${count === 1 ? '1 environment was' : `${count} environments were`} not checked`,
    fix: 'nothing to repair from here: start the engine (or point its context back at it), then run cilo doctor again; cilo removes nothing there meanwhile',
  };
}

export async function diagnose(ctx: Context): Promise<Finding[]> {
  const state = ctx.store.read();
  const findings: Finding[] = [];
  for (const a of await surveyEngines(ctx, state, [...enginesInUse(state), ctx.engine.name])) {
    if (a.status !== 'ok') {
      findings.push(unanswered(state, a));
      continue;
    }
    const s = await snapshot(a.ctx, state, a.info.swarm.manager);
    for (const check of CHECKS)
      if (check.scope === 'engine') findings.push(...check.find(s, a.ctx).map((f) => ({ ...f, engine: a.engine })));
  }
  for (const check of CHECKS) if (check.scope === 'home') findings.push(...(await check.find(state, ctx)));
  return findings;
}

export interface Repaired {
  findings: Finding[];
  /** Errors that are bugs in cilo (not a UserError), with their stacks: the command reports them as such. */
  bugs: Error[];
}

/**
 * Repairs the findings one by one, each on its engine; each repair re-checks what it acts on. A repair that
 * fails leaves its reason on the finding and the others go on; a bug is kept whole for the top to report.
 */
export async function repair(ctx: Context, findings: Finding[]): Promise<Repaired> {
  const state = ctx.store.read();
  const bugs: Error[] = [];
  for (const f of findings) {
    try {
      const on = f.engine ? onEngine(ctx, f.engine, state.hosts[f.engine]?.engine) : ctx;
      await CHECKS.find((c) => c.kind === f.kind)!.repair(on, f);
      f.fixed = true;
    } catch (e) {
      f.fixed = false;
      if (e instanceof UserError) f.error = e.hint ? `${e.message} (${e.hint})` : e.message;
      else {
        bugs.push(e instanceof Error ? e : new Error(String(e)));
        f.error = `internal error (a bug in cilo): ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }
  return { findings, bugs };
}
