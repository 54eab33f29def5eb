// Running a Compose command for a cilo environment: the path shared by `cilo-compose` (managed projects)
// and `cilo up/down`. It prepares the environment when the command may start containers (its plan, applied),
// runs Compose on the terminal with the plan's override, and records what Docker then runs. What Compose
// does decides the exit code: cilo's own bookkeeping afterwards never turns Compose's success into a failure.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors/index.js';
import { composeArgs, type ProjectSelector } from '../../compose/command.js';
import type { GlobalFlags } from '../../compose/global-flags.js';
import { renderOverride } from '../../compose/override.js';
import type { ResolvedProject } from '../../compose/resolve.js';
import { isAttached, needsOf, runService, scaleOf, type Needs } from '../../compose/subcommands.js';
import { undoing } from '../../docker/interruption.js';
import type { ExecResult } from '../../docker/process.js';
import { startDnsAfterCommand } from '../../dns/server.js';
import { removeAnchors, startAnchor } from '../../network/anchor.js';
import { envNetworkName } from '../../state/names.js';
import { envDir, homeId } from '../../state/paths.js';
import { consumersOf } from '../../state/references.js';
import { findEnvByName, type Environment, type SharedScope, type State } from '../../state/schema.js';
import { writeFileAtomic } from '../../state/store.js';
import { markUsed } from '../../state/usage.js';
import type { Context } from '../../context.js';
import { bindToEnvironment } from '../steps/engines.js';
import { syncForwards } from '../steps/forwards.js';
import { syncRouter } from '../steps/router.js';
import { consumerWarnings } from '../steps/shared-networks.js';
import { readProjectFiles } from '../steps/files.js';
import { writtenOverride } from '../steps/load.js';
import { recreateWithoutMainNetwork } from '../steps/main-network.js';
import { observeEnvironment } from '../steps/observe.js';
import { removeOwned } from '../steps/ownership.js';
import { withoutStaticAddresses } from '../plan/override.js';
import {
  prepareEnvironment,
  previewEnvironment,
  rollback,
  type Prepared,
  type PrepareRequest,
} from '../steps/prepare.js';
import { watchWhileRunning } from '../steps/watch.js';

export interface ManagedCommand {
  selector: ProjectSelector;
  project: ResolvedProject;
  subcommand: string;
  args: readonly string[];
  /** The global flags of the user's `cilo-compose` command line (absent for `cilo up/down`). */
  user?: GlobalFlags;
  /** The state as the caller read it, if it did. */
  snapshot?: State;
  /** Flags of `cilo up` that add to x-cilo. */
  cli?: { createShared?: boolean; sharedScope?: SharedScope };
}

export interface ManagedResult {
  /** How Compose ended. */
  result: ExecResult;
  key?: string;
  /** The environment's record after the command (undefined for a project that is not registered). */
  record?: Environment;
  /** The state as cilo last wrote (or read) it. */
  state?: State;
}

async function request(ctx: Context, cmd: ManagedCommand, snapshot: State): Promise<PrepareRequest> {
  const { xcilo, model } = await readProjectFiles(cmd.project, ctx.home, !needs(cmd).showModel);
  return {
    selector: cmd.selector,
    source: cmd.project.projectDir,
    rememberFiles: cmd.project.discovered ? undefined : cmd.project.files,
    xcilo,
    model,
    snapshot,
    cli: cmd.cli,
    scale: scaleOf(cmd.subcommand, cmd.args),
    materialize: true,
  };
}

async function prepare(ctx: Context, cmd: ManagedCommand, snapshot: State): Promise<Prepared> {
  // Started now, awaited later: they overlap with parsing the files.
  void ctx.docker.composeVersion().catch(() => undefined);
  const envNetwork = ctx.docker.inspectNetwork(envNetworkName(cmd.selector.name));
  envNetwork.catch(() => undefined);
  return prepareEnvironment(ctx, { ...(await request(ctx, cmd, snapshot)), envNetwork });
}

/**
 * `config` / `convert`: Compose prints the model with the override of the environment's plan, given on stdin
 * (`-f -`); for an environment not registered yet, a preview (nothing is written or created).
 */
async function showModel(ctx: Context, cmd: ManagedCommand, snapshot: State): Promise<ExecResult> {
  const plan = await previewEnvironment(ctx, await request(ctx, cmd, snapshot));
  const args = composeArgs(cmd.selector, { user: cmd.user, override: '-', subcommand: cmd.subcommand, args: cmd.args });
  return ctx.docker.composeExec(args, { cwd: ctx.cwd, input: renderOverride(plan.override) });
}

/**
 * Runs `fn` with an anchor on each swarm network this engine does not see yet (network/anchor.ts), when the
 * subcommand attaches containers. They are removed whatever signal comes meanwhile.
 */
async function withAnchors<T>(
  ctx: Context,
  cmd: ManagedCommand,
  p: Prepared | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (!p || p.anchors.length === 0 || !needs(cmd).attach) return fn();
  const ids: string[] = [];
  try {
    const owner = { env: p.plan.record.name, homeId: homeId(ctx.home), pid: ctx.host.pid };
    for (const net of p.anchors) ids.push(await startAnchor(ctx.docker, p.engineInfo.architecture, net, owner));
  } catch (e) {
    await undoing(() => removeAnchors(ctx.docker, ids));
    throw e;
  }
  try {
    return await fn();
  } finally {
    await undoing(() => removeAnchors(ctx.docker, ids));
  }
}

/**
 * cilo's own work after Compose ran (undo, observation, DNS). Compose's result stands whatever happens here:
 * a failure is a warning that says how to bring cilo's state in line (`cilo doctor --fix`), with the stack
 * when it is a bug.
 */
async function afterCompose<T>(ctx: Context, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    const why =
      e instanceof UserError ? e.message : `internal error (a bug in cilo): ${(e as Error).stack ?? String(e)}`;
    ctx.log.warn(
      `${what} failed after Compose finished: ${why}; Compose's own result stands. Run 'cilo doctor --fix' to bring cilo's records in line with Docker`,
    );
    return undefined;
  }
}

/**
 * A first `up`/`create` that failed on its own is undone; the rest of Compose's failures stand. One the user
 * stopped is not undone, however Compose ended: what it left running stays known, and `destroy` removes it.
 */
const failedFirst = (cmd: ManagedCommand, p: Prepared | undefined, r: ExecResult) =>
  p?.plan.registeredNow && needs(cmd).register && r.code !== 0 && !r.signal && !r.interrupted && r.code !== 130;

/**
 * Removes what this command made: the project's containers (a first registration found none that were not
 * this home's: ownership.ts), then the containers and volumes with this home's label, never adopted ones.
 * Compose's `down` first, without --volumes: an engine may finish creating a container a moment after a
 * failed Compose returned (Docker 28 with Compose 2.40), and `down` takes long enough to see it.
 */
async function undoFirst(ctx: Context, cmd: ManagedCommand, p: Prepared): Promise<void> {
  ctx.log.warn(`the first '${cmd.subcommand}' of ${cmd.selector.name} failed: removing what cilo registered for it`);
  const args = composeArgs(cmd.selector, {
    override: p.applied.overridePath,
    subcommand: 'down',
    args: ['--remove-orphans'],
  });
  await undoing(async () => {
    await ctx.docker.compose(args, { cwd: ctx.cwd });
    await removeOwned(ctx, p.plan.record);
  });
  await rollback(ctx, p);
}

/**
 * What the command's subcommand needs (compose/subcommands.ts). One cilo does not know fails closed: run on
 * a cilo project without its override, it would use the files' networks, addresses and host ports.
 */
function needs(cmd: ManagedCommand): Needs {
  const known = needsOf(cmd.subcommand);
  if (known) return known;
  throw new UserError(
    `cilo does not know 'docker compose ${cmd.subcommand}', so it does not run it on ${cmd.selector.name} (a cilo project)`,
    `to run it without cilo's networks and ports, call Compose itself: docker compose -p ${cmd.selector.name} ${cmd.subcommand} …`,
  );
}

export async function runManaged(ctxGiven: Context, cmd: ManagedCommand): Promise<ManagedResult> {
  needs(cmd); // an unknown subcommand stops here, before anything is read or changed
  const snapshot = cmd.snapshot ?? ctxGiven.store.read();
  // Whatever DOCKER_HOST says now, a registered environment is run on its engine (docs/DESIGN.md §2).
  const ctx = bindToEnvironment(ctxGiven, snapshot, cmd.selector.name);
  if (needs(cmd).showModel) return { result: await showModel(ctx, cmd, snapshot), state: snapshot };
  const prepared = needs(cmd).prepare ? await prepare(ctx, cmd, snapshot) : undefined;
  const found = prepared
    ? ([prepared.plan.key, prepared.plan.record] as const)
    : findEnvByName(snapshot, cmd.selector.name);
  const state = prepared?.plan.state ?? snapshot;
  if (cmd.subcommand === 'down' && found)
    for (const w of consumerWarnings(consumersOf(state, found[0]), found[1].name)) ctx.log.warn(w);

  if (prepared && !prepared.plan.registeredNow)
    await recreateWithoutMainNetwork(ctx, cmd.selector, prepared.applied.overridePath);
  const result = await withAnchors(ctx, cmd, prepared, () => composeOnTerminal(ctx, cmd, found?.[1], prepared)).catch(
    async (e: unknown) => {
      // Compose did not run (an anchor failed, a signal came first): a registration made now is undone.
      if (prepared?.plan.registeredNow) await rollback(ctx, prepared);
      throw e;
    },
  );
  if (failedFirst(cmd, prepared, result)) {
    await afterCompose(ctx, `undoing the registration of ${cmd.selector.name}`, () => undoFirst(ctx, cmd, prepared!));
    return { result };
  }
  if (!found) return { result, state };
  // A use, for `cilo gc`, once it worked: a command that failed leaves cilo's files as they were.
  if (result.code === 0) markUsed(ctx.home, found[1].name);
  if (!needs(cmd).change) return { result, key: found[0], record: found[1], state };
  const observed = await afterCompose(ctx, `recording what ${cmd.selector.name} runs`, async () => {
    const o = await observeEnvironment(ctx, cmd.selector.name, found[1]);
    if (o?.record.status === 'running') await startDnsAfterCommand(ctx, o.state);
    return o;
  });
  await afterCompose(ctx, 'updating the router', () => syncRouter(ctx, prepared?.engineInfo.rootless));
  await afterCompose(ctx, 'forwarding its ports over ssh', () => syncForwards(ctx));
  return { result, key: found[0], record: observed?.record ?? found[1], state: observed?.state ?? state };
}

/**
 * The override this command is given: the plan's when it prepared (a one-off `run` the plan's without its
 * service's static addresses: the service may be running), else the one its last `up` wrote. With the
 * file to remove afterwards, if it wrote one.
 */
function overrideOf(
  ctx: Context,
  cmd: ManagedCommand,
  record: Environment | undefined,
  p: Prepared | undefined,
): { path?: string; temporary?: string } {
  const oneOff = cmd.subcommand === 'run' && p ? runService(cmd.args) : undefined;
  if (p && oneOff && p.plan.record.services[oneOff]?.ip) {
    const path = join(envDir(ctx.home, cmd.selector.name), `run-${ctx.host.pid}.yml`);
    writeFileAtomic(path, renderOverride(withoutStaticAddresses(p.plan.override, oneOff)));
    return { path, temporary: path };
  }
  const path = record !== undefined ? writtenOverride(ctx.home, cmd.selector.name) : undefined;
  return path ? { path } : {};
}

/** Runs the user's Compose command with cilo's override (when the environment has one) on the terminal. */
async function composeOnTerminal(
  ctx: Context,
  cmd: ManagedCommand,
  record: Environment | undefined,
  p: Prepared | undefined,
): Promise<ExecResult> {
  const override = overrideOf(ctx, cmd, record, p);
  const args = composeArgs(cmd.selector, {
    user: cmd.user,
    override: override.path,
    subcommand: cmd.subcommand,
    args: cmd.args,
  });
  // An attached `up` or a `run` keeps Compose in the foreground: its services must resolve while it runs,
  // not only once it returns.
  const watcher = record && isAttached(cmd.subcommand, cmd.args) ? watchWhileRunning(ctx, record) : undefined;
  try {
    return await ctx.docker.composeExec(args, { cwd: ctx.cwd });
  } finally {
    await watcher?.stop();
    if (override.temporary) rmSync(override.temporary, { force: true });
  }
}
