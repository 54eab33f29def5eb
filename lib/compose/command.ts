// The one place a Compose command line for a cilo environment is assembled (docs/ARCHITECTURE.md,
// "One Compose command line"): the user's `cilo-compose` command, `cilo up/down`, cilo's own `config` and
// `down` calls all come through composeArgs.
import { dirname } from 'node:path';
import type { GlobalFlags } from './global-flags.js';
import type { ProjectQuery, ResolvedProject } from './resolve.js';

/** What selects one project, for Compose: its files, directory, env files and name. */
export interface ProjectSelector {
  name: string;
  /** Absolute compose files in load order. */
  files: readonly string[];
  projectDirectory?: string;
  /**
   * Env files to name: the user's --env-file flags, or the `.env` Compose would have read by itself that
   * cilo's explicit -f would hide (COMPOSE_FILE set in a `.env` of another directory).
   */
  envFiles: readonly string[];
}

export interface ComposeCommand {
  subcommand: string;
  args?: readonly string[];
  /** cilo's override, loaded after the project's files. */
  override?: string;
  /** Global flags cilo adds for its own calls (e.g. `--profile '*'`). */
  globals?: readonly string[];
  /**
   * The global flags of the user's own command line. Their tokens other than -f/-p are sent as typed, and
   * already carry --project-directory and, when there are any, the user's --env-file flags. cilo's own
   * calls leave this out and get the selector's.
   */
  user?: Pick<GlobalFlags, 'otherTokens' | 'envFiles'>;
}

export function composeArgs(sel: ProjectSelector, cmd: ComposeCommand): string[] {
  const args: string[] = [];
  if (cmd.user) args.push(...cmd.user.otherTokens);
  else if (sel.projectDirectory) args.push('--project-directory', sel.projectDirectory);
  if (!cmd.user || cmd.user.envFiles.length === 0) for (const f of sel.envFiles) args.push('--env-file', f);
  args.push(...(cmd.globals ?? []));
  for (const f of [...sel.files, ...(cmd.override ? [cmd.override] : [])]) args.push('-f', f);
  args.push('-p', sel.name, cmd.subcommand, ...(cmd.args ?? []));
  return args;
}

/**
 * The selector of a resolved project. `q` holds the user's --project-directory and --env-file flags. Without
 * --env-file, the `.env` files Compose read outside the first file's directory are named explicitly:
 * cilo's -f flags would otherwise hide them from Compose.
 */
export function selectorOf(
  project: ResolvedProject,
  q: Pick<ProjectQuery, 'projectDirectory' | 'envFiles'> = { envFiles: [] },
): ProjectSelector {
  const hidden =
    q.envFiles.length === 0 &&
    project.dotenvDir !== undefined &&
    project.dotenvDir !== (q.projectDirectory ?? dirname(project.files[0]!));
  return {
    name: project.name,
    files: project.files,
    projectDirectory: q.projectDirectory,
    envFiles: q.envFiles.length > 0 ? q.envFiles : hidden ? project.envFilesRead : [],
  };
}
