// `cilo create / up / down`: the environment manager's operations. Each returns what it knows (the key,
// the record and the state it wrote), so commands render their views without reading state again.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, ExitCodeError } from '../../errors/index.js';
import { selectorOf } from '../../compose/command.js';
import { resolveProject, BASE_NAMES } from '../../compose/resolve.js';
import { validateName } from '../../state/names.js';
import { markUsed } from '../../state/usage.js';
import { findEnvByName, type Environment, type SharedScope, type State } from '../../state/schema.js';
import type { Context } from '../../context.js';
import { loadEnvironment, rememberedQuery, requireProject } from '../steps/load.js';
import { prepareEnvironment } from '../steps/prepare.js';
import { readProjectFiles } from '../steps/files.js';
import { runManaged, type ManagedResult } from './run.js';
import { alreadyExists, type PlanInputs } from '../plan/register.js';
import { addWorktree, undoWorktree } from '../steps/worktree.js';

export interface EnvironmentOutcome {
  key: string;
  record: Environment;
  state: State;
}

export interface CreateOptions {
  name: string;
  /** The project's directory; with `worktree`, a directory inside the repository (default: the cwd). */
  from?: string;
  project?: string;
  sharedNetworks: string[];
  /** Add a git worktree of this branch and register the environment from it (docs/DESIGN.md §12). */
  worktree?: string;
  /** The compose files, when the source's are not the discovered ones (a fork: its source's). */
  files?: string[];
  additions?: PlanInputs['additions'];
  /** Take over the objects the project has already (they are never removed by cilo). */
  adopt?: boolean;
  /** `cilo gc` never removes it. */
  keep?: boolean;
  /**
   * The files are a registered environment's (a fork's source): the model read from them, when they say it
   * exactly, is enough; Compose checked them when the source was registered and checks them again at `up`.
   */
  knownFiles?: boolean;
}

function existingDirectory(ctx: Context, from: string): string {
  const dir = resolve(ctx.cwd, from);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError(
      `--from ${from}: no such directory (${dir})`,
      'give the directory that holds the compose project',
    );
  return dir;
}

export async function createEnvironment(ctx: Context, o: CreateOptions): Promise<EnvironmentOutcome> {
  validateName(o.name, 'environment name');
  if (o.project !== undefined) validateName(o.project, 'project name');
  if (o.from === undefined && o.worktree === undefined)
    throw new UserError('no project directory given', `cilo create ${o.name} --from <dir> (or --worktree <branch>)`);
  const dir = existingDirectory(ctx, o.from ?? '.');
  const additions = o.keep ? { ...o.additions, keep: true } : o.additions;
  if (!o.worktree) return registerFrom(ctx, o, dir, additions);
  const known = findEnvByName(ctx.store.read(), o.name);
  if (known) throw alreadyExists(o.name, known[1]); // before a worktree is added for nothing
  const added = await addWorktree(ctx, dir, o.name, o.worktree);
  try {
    return await registerFrom(ctx, o, added.projectDir, { ...additions, worktree: added.record });
  } catch (e) {
    await undoWorktree(ctx, added);
    throw e;
  }
}

/** Registers environment `o.name` for the compose project in `dir` (nothing is created in Docker yet). */
async function registerFrom(
  ctx: Context,
  o: CreateOptions,
  dir: string,
  additions: PlanInputs['additions'] | undefined,
): Promise<EnvironmentOutcome> {
  const project = resolveProject(rememberedQuery({ name: o.name, compose_files: o.files }), dir, ctx.processEnv);
  if (!project || (project.discovered && project.projectDir !== dir))
    throw new UserError(
      `no compose file in ${dir}`,
      `looked for ${BASE_NAMES.join(', ')}; pass the project's directory to --from`,
    );
  // No file-only shortcut for a new project: `docker compose config` also validates what is registered.
  const { xcilo, model } = await readProjectFiles(project, ctx.home);
  const prepared = await prepareEnvironment(
    { ...ctx, cwd: dir },
    {
      selector: selectorOf(project),
      source: project.projectDir,
      rememberFiles: project.discovered ? undefined : project.files,
      xcilo,
      snapshot: ctx.store.read(),
      cli: { project: o.project, sharedNetworks: o.sharedNetworks },
      mustBeNew: true,
      additions,
      materialize: false,
      adopt: o.adopt,
      model: o.knownFiles ? model : undefined,
    },
  );
  markUsed(ctx.home, o.name);
  return { key: prepared.plan.key, record: prepared.plan.record, state: prepared.plan.state };
}

function outcome(r: ManagedResult): EnvironmentOutcome {
  if (r.result.code !== 0 || r.result.signal) throw new ExitCodeError(r.result.code, r.result.signal ?? undefined);
  return { key: r.key!, record: r.record!, state: r.state! };
}

export interface UpOptions {
  name: string;
  createShared: boolean;
  sharedScope?: SharedScope;
  composeArgs: string[];
}

/** `docker compose up -d` of a registered environment, from its source directory. */
export async function upEnvironment(ctx: Context, o: UpOptions): Promise<EnvironmentOutcome> {
  const loaded = loadEnvironment(ctx, o.name);
  const { project, selector } = requireProject(loaded);
  const cmd = {
    selector,
    project,
    subcommand: 'up',
    args: ['-d', ...o.composeArgs],
    snapshot: loaded.state,
    cli: { createShared: o.createShared, sharedScope: o.sharedScope },
  };
  return outcome(await runManaged({ ...ctx, cwd: project.projectDir }, cmd));
}

export async function downEnvironment(ctx: Context, name: string): Promise<EnvironmentOutcome> {
  const loaded = loadEnvironment(ctx, name);
  const { project, selector } = requireProject(loaded);
  return outcome(
    await runManaged(
      { ...ctx, cwd: project.projectDir },
      { selector, project, subcommand: 'down', args: [], snapshot: loaded.state },
    ),
  );
}
