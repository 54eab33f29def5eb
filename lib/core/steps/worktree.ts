// An environment per git worktree (docs/DESIGN.md §12): `cilo create NAME --worktree BRANCH` adds a worktree of
// the branch under $CILO_HOME/worktrees/NAME/<repository> and registers the environment from the same project
// directory inside it; `destroy` removes the worktree again, and refuses to while it holds uncommitted changes.
import { existsSync, rmdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { UserError } from '../../errors/index.js';
import { undoing } from '../../docker/interruption.js';
import type { WorktreeRecord } from '../../state/schema.js';
import type { Context } from '../../context.js';

const worktreesDir = (home: string) => join(home, 'worktrees');

async function git(ctx: Context, cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await ctx.runner.run('git', args, { cwd, env: ctx.processEnv });
  return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim() };
}

async function gitOrFail(ctx: Context, cwd: string, args: string[], what: string, hint: string): Promise<string> {
  const r = await git(ctx, cwd, args);
  if (r.code !== 0) throw new UserError(`${what}: ${r.err.split('\n').pop() || `git ${args[0]} failed`}`, hint);
  return r.out;
}

export interface AddedWorktree {
  record: WorktreeRecord;
  /** The project directory inside the worktree (where `from` is inside its repository). */
  projectDir: string;
  /** Whether cilo created the branch (its undo deletes it again). */
  newBranch: boolean;
}

/** Adds a worktree of `branch` (created from HEAD when it does not exist) for environment `name`. */
export async function addWorktree(ctx: Context, from: string, name: string, branch: string): Promise<AddedWorktree> {
  const repo = await gitOrFail(
    ctx,
    from,
    ['rev-parse', '--show-toplevel'],
    `${from} is not inside a git repository`,
    'give --from the repository (or the compose project inside it) the worktree is made of',
  );
  const ref = await git(ctx, repo, ['check-ref-format', '--branch', branch]);
  if (ref.code !== 0)
    throw new UserError(
      `--worktree ${branch}: not a valid branch name`,
      'name a branch, e.g. --worktree feature/login',
    );
  // Named after the repository inside a directory of the environment's: the project label cilo derives from
  // the directory's name is the same as the main checkout's.
  const path = join(worktreesDir(ctx.home), name, basename(repo));
  const exists = (await git(ctx, repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
  await gitOrFail(
    ctx,
    repo,
    exists ? ['worktree', 'add', path, branch] : ['worktree', 'add', '-b', branch, path],
    `adding a worktree of ${branch} at ${path}`,
    exists
      ? `a branch can be checked out in one worktree only: 'git worktree list' in ${repo}`
      : 'see git worktree add',
  );
  return { record: { path, branch, repo }, projectDir: join(path, relative(repo, from)), newBranch: !exists };
}

/** Removes what addWorktree added (its branch too, when it created it): the undo of a failed create. */
export const undoWorktree = (ctx: Context, added: AddedWorktree): Promise<void> =>
  undoing(async () => {
    await git(ctx, added.record.repo, ['worktree', 'remove', '--force', added.record.path]);
    if (added.newBranch) await git(ctx, added.record.repo, ['branch', '-D', added.record.branch]);
  });

/** What `git status` says is uncommitted in the worktree (empty: clean; a gone worktree is clean). */
export async function uncommitted(ctx: Context, wt: WorktreeRecord): Promise<string[]> {
  if (!existsSync(wt.path)) return [];
  const out = await gitOrFail(
    ctx,
    wt.path,
    ['status', '--porcelain'],
    `reading the state of worktree ${wt.path}`,
    `check it with: git -C ${wt.path} status`,
  );
  return out.split('\n').filter(Boolean);
}

/** Refuses, before anything changes, to lose uncommitted work in an environment's worktree, unless `force`. */
export async function checkWorktreeRemovable(ctx: Context, name: string, wt: WorktreeRecord, force: boolean) {
  const dirty = force ? [] : await uncommitted(ctx, wt);
  if (dirty.length > 0)
    throw new UserError(
      `the worktree of ${name} (${wt.path}, branch ${wt.branch}) has uncommitted changes: ${dirty.slice(0, 3).join('; ')}${dirty.length > 3 ? `; and ${dirty.length - 3} more` : ''}`,
      `commit or stash them first, keep the worktree with --keep-worktree, or lose them with --force`,
    );
}

/** Removes the worktree (not its branch: the commits stay). Gone already: nothing to do. */
export async function removeWorktree(ctx: Context, wt: WorktreeRecord): Promise<boolean> {
  if (!existsSync(wt.path)) return false;
  await gitOrFail(
    ctx,
    wt.repo,
    ['worktree', 'remove', '--force', wt.path],
    `removing worktree ${wt.path}`,
    `remove it by hand: git -C ${wt.repo} worktree remove --force ${wt.path}`,
  );
  try {
    rmdirSync(dirname(wt.path)); // the environment's directory of worktrees, when nothing else is in it
  } catch {
    // not empty: what is there is not cilo's to remove
  }
  return true;
}
