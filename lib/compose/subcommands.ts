// What cilo knows about Compose's subcommands, in one place: which need no project, and for every other one
// what it needs of cilo (one table: prepare, attach, change, register, show the model); and how to read the
// few arguments cilo cares about (`--scale`, the service of a `run`). The shell front's list of
// project-less subcommands is generated from PROJECTLESS at build time (scripts/bundle.mjs). Built-ins only:
// the shim reads this on every call.

/** Subcommands that work without a project: the shim and the front pass them through untouched. */
export const PROJECTLESS: readonly string[] = ['version', 'ls', 'help', 'completion', '__complete', '__completeNoDesc'];

/** What a Compose subcommand needs of cilo on a cilo project. */
export interface Needs {
  /** The environment ready first: registered, its networks, a fresh override. */
  prepare: boolean;
  /** Compose attaches containers to the project's networks (an anchor may be needed). */
  attach: boolean;
  /** Containers may have started or stopped after it: cilo observes, routes and forwards. */
  change: boolean;
  /** A first one that fails is undone (the registration it made). */
  register: boolean;
  /** It prints the project model: the one cilo runs, its override included. */
  showModel: boolean;
}

const needs = (...keys: (keyof Needs)[]): Needs => ({
  prepare: keys.includes('prepare'),
  attach: keys.includes('attach'),
  change: keys.includes('change'),
  register: keys.includes('register'),
  showModel: keys.includes('showModel'),
});
const STARTS = needs('prepare', 'attach', 'change', 'register');

/**
 * Every project subcommand of the Compose versions cilo is tested with (2.26 and 2.40), and what it needs.
 * One that is not here fails closed on a cilo project (needsOf): what it would do there is not known.
 */
export const SUBCOMMANDS: Readonly<Record<string, Needs>> = {
  // Experimental commands (2.40: generate, viz, publish), none of which starts a container.
  alpha: needs(),
  attach: needs(),
  // Converts the model for Kubernetes (2.40); it runs nothing here.
  bridge: needs(),
  build: needs(),
  commit: needs(),
  config: needs('showModel'),
  convert: needs('showModel'),
  cp: needs(),
  create: STARTS,
  down: needs('change'),
  events: needs(),
  exec: needs(),
  export: needs(),
  images: needs(),
  kill: needs('change'),
  logs: needs(),
  pause: needs('change'),
  port: needs(),
  ps: needs(),
  publish: needs(),
  pull: needs(),
  push: needs(),
  restart: needs('prepare', 'change'),
  rm: needs('change'),
  run: needs('prepare', 'attach', 'change'),
  scale: needs('prepare', 'change'),
  start: needs('prepare', 'change'),
  stats: needs(),
  stop: needs('change'),
  top: needs(),
  unpause: needs('change'),
  up: STARTS,
  volumes: needs(),
  wait: needs(),
  // `watch` brings the project up first, then rebuilds and restarts services as their files change.
  watch: STARTS,
};

/** What `subcommand` needs, or undefined for one cilo does not know. */
export const needsOf = (subcommand: string): Needs | undefined =>
  Object.hasOwn(SUBCOMMANDS, subcommand) ? SUBCOMMANDS[subcommand] : undefined;

/**
 * Compose stays in the foreground (its services must resolve while it runs): `run`, `watch`, or `up` without
 * -d/--wait.
 */
export function isAttached(subcommand: string, args: readonly string[]): boolean {
  if (subcommand === 'run' || subcommand === 'watch') return true;
  if (subcommand !== 'up') return false;
  return !args.some(
    (a) => a === '-d' || a === '--detach' || a === '--wait' || a.startsWith('--detach=') || a.startsWith('--wait='),
  );
}

/** `--scale svc=N` options of an `up` command line (Compose also accepts `--scale=svc=N`). */
export function scaleOptions(subArgs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < subArgs.length; i++) {
    const a = subArgs[i]!;
    if (a === '--') break;
    const v = a === '--scale' ? subArgs[++i] : a.startsWith('--scale=') ? a.slice(8) : undefined;
    const m = v !== undefined ? /^([^=]+)=(\d+)$/.exec(v) : null;
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** `SERVICE=REPLICAS` arguments of the `scale` subcommand. */
export function scaleArguments(subArgs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of subArgs) {
    const m = /^([^-=][^=]*)=(\d+)$/.exec(a);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The replicas a command line asks for, by service (`up --scale`, `scale svc=N`), if it asks. */
export function scaleOf(subcommand: string, args: readonly string[]): Record<string, number> | undefined {
  if (subcommand === 'up' || subcommand === 'create') return scaleOptions(args);
  return subcommand === 'scale' ? scaleArguments(args) : undefined;
}

/** Options of `run` that take a value (Compose 2.24+), so their value is not taken for the service. */
const RUN_VALUE_OPTIONS = new Set([
  '--cap-add',
  '--cap-drop',
  '--entrypoint',
  '-e',
  '--env',
  '--env-from-file',
  '-l',
  '--label',
  '--name',
  '-p',
  '--publish',
  '--pull',
  '-u',
  '--user',
  '-v',
  '--volume',
  '-w',
  '--workdir',
]);

/** The service of a `run` command line (its first argument that is not an option), if any. */
export function runService(subArgs: readonly string[]): string | undefined {
  for (let i = 0; i < subArgs.length; i++) {
    const a = subArgs[i]!;
    if (a === '--') return subArgs[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    if (RUN_VALUE_OPTIONS.has(a)) i++; // `--opt value`; `--opt=value`, `-eX=1` and flags carry no separate value
  }
  return undefined;
}
