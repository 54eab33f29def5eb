// cilo-compose: `docker compose` with isolation for cilo projects. The hot path (a project that is not
// cilo's) uses built-ins only and hands the untouched argv to Compose; the managed path is loaded only
// when decide() says so.
import { selectorOf } from '../compose/command.js';
import { parseGlobalFlags, UnknownGlobalFlag, type GlobalFlags } from '../compose/global-flags.js';
import { resolveProject, withParsedNames, type ResolvedProject } from '../compose/resolve.js';
import { PROJECTLESS } from '../compose/subcommands.js';
import {
  keysStartLines,
  mentionsXCilo,
  nameIsPlain,
  readTopLevelKeys,
  type TopLevelKeys,
} from '../compose/top-level.js';
import type { ExecResult, ProcessRunner } from '../docker/process.js';
import { findEnvByName, type State } from '../state/schema.js';
import { readState } from '../state/store.js';
import type { Context } from '../context.js';
import { UserError } from '../errors/index.js';

export type ShimDecision =
  | { mode: 'passthrough'; why: string }
  | { mode: 'managed'; flags: GlobalFlags; project: ResolvedProject; why: string; snapshot?: State };

/**
 * Decides whether a command line concerns a cilo environment. Cheap: no Docker call, and no YAML unless a
 * compose file is written so that its top-level keys do not start lines (JSON, for one).
 */
export async function decide(
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  home: string,
  warn: (m: string) => void,
): Promise<ShimDecision> {
  let flags: GlobalFlags;
  try {
    flags = parseGlobalFlags(argv);
  } catch (e) {
    // Any other error is a bug.
    if (!(e instanceof UnknownGlobalFlag)) throw e;
    return refuseOnCiloProject(e, cwd, env);
  }
  if (!flags.subcommand || flags.version || PROJECTLESS.includes(flags.subcommand))
    return { mode: 'passthrough', why: 'no project involved' };
  let project = resolveProject(flags, cwd, env);
  if (!project) return { mode: 'passthrough', why: 'no compose file' };
  if (project.files.includes('-')) return { mode: 'passthrough', why: 'compose file on stdin' };
  const parsed = await parseUnusualFiles(project);
  if (!parsed) return { mode: 'passthrough', why: 'a compose file that is not valid YAML (Compose says where)' };
  if (parsed.size > 0)
    project = withParsedNames(project, flags, new Map([...parsed].map(([file, k]) => [file, k.name])));
  if (!project.name) return { mode: 'passthrough', why: 'a name Compose refuses as empty (it says so)' };
  if (xciloFile(project, parsed)) return { mode: 'managed', flags, project, why: 'x-cilo in a compose file' };
  let snapshot: State;
  try {
    snapshot = readState(home);
  } catch (e) {
    // A state file we cannot read must not break plain `docker compose` for everyone else.
    warn(`${(e as Error).message}; running docker compose without cilo`);
    return { mode: 'passthrough', why: 'state file unreadable' };
  }
  return findEnvByName(snapshot, project.name)
    ? { mode: 'managed', flags, project, why: 'a registered environment', snapshot }
    : { mode: 'passthrough', why: 'not a cilo project' };
}

/**
 * A global flag cilo cannot read (a new one, a typo, one missing its value) leaves it unable to tell which
 * files and project the command concerns. Compose reports the problem when the project here is not cilo's;
 * on a cilo project (x-cilo in the files found without the flags) running Compose without the isolation
 * would be wrong, so it is an error (issue 28: fail closed).
 */
async function refuseOnCiloProject(e: UnknownGlobalFlag, cwd: string, env: NodeJS.ProcessEnv): Promise<ShimDecision> {
  const here = resolveProject(parseGlobalFlags([]), cwd, env);
  const parsed = here && !here.files.includes('-') ? await parseUnusualFiles(here) : undefined;
  const file = parsed && xciloFile(here!, parsed);
  if (!file) return { mode: 'passthrough', why: 'global flags cilo does not know' };
  throw new UserError(
    `cilo-compose cannot read the global flag ${e.message}, and ${file} makes this a cilo project (x-cilo)`,
    "write the flag as `docker compose --help` spells it, put it after the subcommand if it is that command's, or run `docker compose` itself to go around cilo",
  );
}

/** The file with an x-cilo key: by the line rule, or among the keys the YAML parser read of an unusual one. */
const xciloFile = (project: ResolvedProject, parsed: Map<string, TopLevelKeys>) =>
  [...project.texts].find(([file, text]) => parsed.get(file)?.xcilo ?? mentionsXCilo(text))?.[0];

/**
 * The top-level keys of the files the line rules cannot read exactly (compose/top-level.ts: keysStartLines,
 * nameIsPlain), read with the YAML parser; undefined when one is not YAML.
 */
async function parseUnusualFiles(project: ResolvedProject): Promise<Map<string, TopLevelKeys> | undefined> {
  const unusual = [...project.texts].filter(([, text]) => !keysStartLines(text) || !nameIsPlain(text));
  try {
    return new Map(
      await Promise.all(unusual.map(async ([file, text]) => [file, await readTopLevelKeys(file, text)] as const)),
    );
  } catch (e) {
    if (e instanceof UserError) return undefined;
    throw e;
  }
}

export interface ShimFacts {
  cwd: string;
  env: NodeJS.ProcessEnv;
  home: string;
  runner: ProcessRunner;
  warn(message: string): void;
  /** The arguments as bytes where Node's decoding altered them (see rawArguments), for the passthrough. */
  raw?: readonly (string | Buffer)[];
}

/** `context` builds the full context (and parses the settings) only for the managed path. */
export async function shimMain(argv: readonly string[], facts: ShimFacts, context: () => Context): Promise<ExecResult> {
  const d = await decide(argv, facts.cwd, facts.env, facts.home, (m) => facts.warn(m));
  if (d.mode === 'passthrough')
    return facts.runner.exec('docker', ['compose', ...(facts.raw ?? argv)], { cwd: facts.cwd, env: facts.env });
  const ctx = context();
  const { runManaged } = await import('../core/service.js');
  const { flags, project, snapshot } = d;
  const r = await runManaged(ctx, {
    selector: selectorOf(project, flags),
    project,
    subcommand: flags.subcommand!,
    args: flags.subArgs,
    user: flags,
    snapshot,
  });
  return r.result;
}
