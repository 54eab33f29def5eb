// The one entry point of the core for every front: the CLI, the shim and the MCP server (and the views they share)
// import this module and nothing else of lib/core (test/structure.test.ts holds it; docs/ARCHITECTURE.md,
// "The core"). What a command does is a use case, loaded when it is first called, so a command or the shim
// pays only for what it runs; the few light, synchronous answers are re-exported as they are.

type AnyFunction = (...args: never[]) => unknown;
type Lazy<F extends AnyFunction> = (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/** `module[name]`, its module loaded on the first call. */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] extends AnyFunction ? Lazy<M[K]> : never {
  return (async (...args: never[]) => ((await load())[name] as AnyFunction)(...args)) as never;
}

const lifecycle = () => import('./use-cases/lifecycle.js');
const destroy = () => import('./use-cases/destroy.js');
const fork = () => import('./use-cases/fork.js');
const gc = () => import('./use-cases/gc.js');
const serviceIo = () => import('./use-cases/service-io.js');
const doctor = () => import('./use-cases/doctor/doctor.js');
const routerStatusModule = () => import('./use-cases/router-status.js');
const router = () => import('./steps/router.js');

// Environments: what `create`, `up`, `down`, `destroy`, `fork`, `gc` and a managed Compose command do.
export const createEnvironment = lazy(lifecycle, 'createEnvironment');
export const upEnvironment = lazy(lifecycle, 'upEnvironment');
export const downEnvironment = lazy(lifecycle, 'downEnvironment');
export const destroyEnvironment = lazy(destroy, 'destroyEnvironment');
export const forkEnvironment = lazy(fork, 'forkEnvironment');
export const collectGarbage = lazy(gc, 'collectGarbage');
export const runManaged = lazy(() => import('./use-cases/run.js'), 'runManaged');
export const serviceLogs = lazy(serviceIo, 'serviceLogs');
export const execInService = lazy(serviceIo, 'execInService');

// The host: doctor, the router, the DNS resolver, what needs root.
export const diagnose = lazy(doctor, 'diagnose');
export const repair = lazy(doctor, 'repair');
export const routerStatus = lazy(routerStatusModule, 'routerStatus');
export const routerRoot = lazy(routerStatusModule, 'routerRoot');
export const stopRouter = lazy(router, 'stopRouter');
export const findRouter = lazy(router, 'findRouter');
export const forwardState = lazy(() => import('./steps/forwards.js'), 'forwardState');

// Light modules, loaded with this one: answers from the state or the arguments, or a question to the engines.
export { asRoot, refuseUnderSudo } from './steps/privileged.js';
export { hostResolverDrift, hostResolverPlan, resolverDriftText } from './steps/resolver.js';
export { bindToEnvironment, engineStatuses } from './steps/engines.js';
export { knownNames, loadEnvironment } from './steps/load.js';
export { sharedNetworks } from './steps/shared-networks.js';
export { hostPortsOf } from './plan/ports.js';
export { parseDuration } from './plan/gc.js';

export type { EnvironmentOutcome } from './use-cases/lifecycle.js';
export type { DestroyReport } from './use-cases/destroy.js';
export type { ForkOutcome } from './use-cases/fork.js';
export type { GcReport } from './use-cases/gc.js';
export type { UncopiedChoice } from './plan/fork.js';
export type { EngineStatus } from './steps/engines.js';
