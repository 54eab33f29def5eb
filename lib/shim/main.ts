// cilo-compose: `docker compose` with isolation for cilo projects. The hot path (a project that is not
// cilo's) uses built-ins only and hands the untouched argv to Compose.
import { parseGlobalFlags, type GlobalFlags } from '../compose/global-flags.js';
import { resolveProject, type ResolvedProject } from '../compose/resolve.js';
import { mentionsXCilo } from '../compose/x-cilo.js';
import type { Docker } from '../docker/docker.js';
import type { ExecResult } from '../docker/process.js';
import { findEnvByName } from '../state/schema.js';
import { readState } from '../state/store.js';
import type { Context } from '../env/context.js';

/** Subcommands that work without a project. */
const PROJECTLESS = new Set(['version', 'ls', 'help', 'completion', '__complete', '__completeNoDesc']);

export type ShimDecision = { mode: 'passthrough'; why: string } | { mode: 'managed'; flags: GlobalFlags; project: ResolvedProject };

/** Decides whether a command line concerns a cilo environment. Cheap: no YAML, no Docker call. */
export function decide(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, home: string, warn: (m: string) => void): ShimDecision {
  let flags: GlobalFlags;
  try {
    flags = parseGlobalFlags(argv);
  } catch {
    return { mode: 'passthrough', why: 'global flags cilo does not know' };
  }
  if (!flags.subcommand || flags.version || PROJECTLESS.has(flags.subcommand)) return { mode: 'passthrough', why: 'no project involved' };
  const project = resolveProject(flags, cwd, env);
  if (!project) return { mode: 'passthrough', why: 'no compose file' };
  if (project.files.includes('-')) return { mode: 'passthrough', why: 'compose file on stdin' };
  for (const text of project.texts.values()) if (mentionsXCilo(text)) return { mode: 'managed', flags, project };
  let registered = false;
  try {
    registered = findEnvByName(readState(home), project.name) !== undefined;
  } catch (e) {
    // A state file we cannot read must not break plain `docker compose` for everyone else.
    warn(`${(e as Error).message}; running docker compose without cilo`);
  }
  return registered ? { mode: 'managed', flags, project } : { mode: 'passthrough', why: 'not a cilo project' };
}

export async function shimMain(argv: readonly string[], ctx: Context, docker: Docker): Promise<ExecResult> {
  const d = decide(argv, ctx.cwd, ctx.env, ctx.home, ctx.log.warn);
  if (d.mode === 'passthrough') return docker.composeExec(argv, { cwd: ctx.cwd });
  const { runManaged } = await import('../env/compose-run.js');
  return runManaged(ctx, { flags: d.flags, project: d.project, subcommand: d.flags.subcommand!, subArgs: d.flags.subArgs });
}
