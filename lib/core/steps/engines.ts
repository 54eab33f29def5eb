// Environments on several Docker engines (docs/DESIGN.md §2, "Engine"): every command about an environment
// goes to the engine it lives on, whatever DOCKER_HOST says then; an engine is known by its `docker info`
// ID, so a context re-pointed at another engine is noticed; an engine that does not answer is reported as
// such, never taken to mean its environments are gone.
import { EngineUnreachableError, UserError } from '../../errors/index.js';
import type { EngineInfo } from '../../docker/objects.js';
import { describeEndpoint, LOCAL_ENGINE } from '../../docker/engines.js';
import { engineOf, enginesInUse, findEnvByName, type State } from '../../state/schema.js';
import { onEngine, type Context } from '../../context.js';

/** How long `list`, `status` and `doctor` wait for an engine before calling it unreachable. */
export const PROBE_TIMEOUT_MS = 3000;

/**
 * The context of the engine environment `name` lives on (the given one for a name state does not know).
 * Asking for it on another engine with `cilo --context` is an error naming both.
 */
export function bindToEnvironment(ctx: Context, state: State, name: string): Context {
  const found = findEnvByName(state, name);
  const engine = found ? (engineOf(state, found[0]) ?? LOCAL_ENGINE) : ctx.engine.name;
  if (engine === ctx.engine.name) return ctx;
  if (ctx.engine.explicit)
    throw new UserError(
      `environment ${name} lives on engine ${engine}, not on ${ctx.engine.name} (--context ${ctx.engine.endpoint.context})`,
      `names are unique across engines: drop --context to use it where it is, or give the copy on ${ctx.engine.name} another name`,
    );
  return onEngine(ctx, engine, state.hosts[engine]?.engine);
}

/** What is wrong when an engine answers with another ID than state recorded (undefined: nothing). */
function identityProblem(state: State, engine: string, info: EngineInfo): string | undefined {
  const recorded = state.hosts[engine]?.engine;
  if (!recorded?.id || recorded.id === info.id) return undefined;
  return `engine ${engine} (${describeEndpoint(recorded)}) now answers as another Docker engine: ID ${info.id}, state recorded ${recorded.id}`;
}

/** An engine that answers as another one than state recorded: its environments are not there. */
export function checkIdentity(state: State, engine: string, info: EngineInfo): void {
  const problem = identityProblem(state, engine, info);
  if (problem)
    throw new UserError(
      problem,
      `the environments cilo keeps there are on the engine it recorded: point ${describeEndpoint(state.hosts[engine]!.engine!)} back at it; 'cilo list' shows what lives where`,
    );
}

export type EngineAnswer =
  | { engine: string; status: 'ok'; info: EngineInfo; ctx: Context }
  | { engine: string; status: 'unreachable'; reason: string }
  | { engine: string; status: 'replaced'; reason: string };

/** Asks one engine who it is, within PROBE_TIMEOUT_MS. */
export async function probeEngine(ctx: Context, state: State, engine: string): Promise<EngineAnswer> {
  const ectx = onEngine(ctx, engine, state.hosts[engine]?.engine);
  let info: EngineInfo;
  try {
    info = await ectx.docker.engineInfo(PROBE_TIMEOUT_MS);
  } catch (e) {
    // A context that no longer exists, a refused connection, a timeout: all say "cannot know".
    if (e instanceof UserError)
      return { engine, status: 'unreachable', reason: e instanceof EngineUnreachableError ? e.reason : e.message };
    throw e;
  }
  const problem = identityProblem(state, engine, info);
  return problem ? { engine, status: 'replaced', reason: problem } : { engine, status: 'ok', info, ctx: ectx };
}

export type EngineStatus = EngineAnswer['status'];

/** The engines (by default every one that holds environments), asked at once. */
export async function surveyEngines(
  ctx: Context,
  state: State,
  engines: readonly string[] = enginesInUse(state),
): Promise<EngineAnswer[]> {
  return Promise.all([...new Set(engines)].map((e) => probeEngine(ctx, state, e)));
}

/** How each engine answers; a warning for each that does not (state is all cilo knows then). */
export async function engineStatuses(
  ctx: Context,
  state: State,
  engines?: readonly string[],
): Promise<Map<string, EngineStatus>> {
  const answers = await surveyEngines(ctx, state, engines);
  for (const a of answers)
    if (a.status !== 'ok')
      ctx.log.warn(
        `${a.status === 'unreachable' ? `engine ${a.engine} does not answer (${a.reason})` : a.reason}: its environments are shown as cilo last recorded them`,
      );
  return new Map(answers.map((a) => [a.engine, a.status]));
}
