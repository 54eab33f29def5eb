// What cilo knows about Compose's subcommands, in one place: which need no project, which may start
// containers, which print the model, which attach containers to networks, which change what runs, and how
// to read the few arguments cilo cares about (`--scale`, the service of a `run`). The shell front's list of
// project-less subcommands is generated from PROJECTLESS at build time (scripts/bundle.mjs). Built-ins only:
// the shim reads this on every call.

/** Subcommands that work without a project: the shim and the front pass them through untouched. */
export const PROJECTLESS: readonly string[] = ['version', 'ls', 'help', 'completion', '__complete', '__completeNoDesc'];

/** Subcommands that need the environment ready (registered, networks, fresh override). */
export const PREPARES: ReadonlySet<string> = new Set(['up', 'create', 'start', 'restart', 'run', 'scale']);

/** Subcommands that print the project model: they show the model cilo runs, the override included. */
export const SHOWS_MODEL: ReadonlySet<string> = new Set(['config', 'convert']);

/** Subcommands whose containers Compose attaches to the project's networks (an anchor may be needed). */
export const ATTACHES: ReadonlySet<string> = new Set(['up', 'create', 'run']);

/** Subcommands after which containers may have started or stopped. */
export const CHANGES: ReadonlySet<string> = new Set([
  'up',
  'create',
  'start',
  'restart',
  'run',
  'down',
  'stop',
  'kill',
  'rm',
  'pause',
  'unpause',
  'scale',
]);

/** A first `up`/`create` that fails is undone; other subcommands' exit codes say nothing about the environment. */
export const REGISTERS: ReadonlySet<string> = new Set(['up', 'create']);

/** Compose stays in the foreground (its services must resolve while it runs): `run`, or `up` without -d/--wait. */
export function isAttached(subcommand: string, args: readonly string[]): boolean {
  if (subcommand === 'run') return true;
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
