// Running a Compose command for a cilo environment: the path shared by `cilo-compose` (managed projects)
// and `cilo up/down`. It prepares the environment when the command may start containers, runs Compose on
// the terminal with cilo's override, and records what Docker then runs.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeArgs, type ProjectSelector } from '../compose/command.js';
import type { GlobalFlags } from '../compose/global-flags.js';
import type { ResolvedProject } from '../compose/resolve.js';
import { readXCilo, type XCilo } from '../compose/x-cilo.js';
import { parseComposeFile } from '../compose/yaml-file.js';
import { runService, scaleArguments, scaleOptions, type ProjectModel } from '../compose/model.js';
import { withoutAddresses, withoutStaticAddresses } from '../compose/override.js';
import { projectFromFiles } from '../compose/project-files.js';
import type { ExecResult } from '../docker/process.js';
import { envNetworkName } from '../state/names.js';
import { removeAnchors, startAnchor } from '../network/anchor.js';
import { envDir, homeId, overrideFile } from '../state/paths.js';
import { consumersOf } from '../state/references.js';
import { findEnvByName, type Environment, type SharedScope, type State } from '../state/schema.js';
import type { Context } from '../context.js';
import { startDns } from './dns.js';
import { bindToEnvironment } from './engines.js';
import { observeEnvironment } from './observe.js';
import {
  prepareEnvironment,
  previewOverride,
  rollbackRegistration,
  type Prepared,
  type PrepareRequest,
} from './prepare.js';
import { consumerWarnings } from './shared-networks.js';

/** Subcommands that need the environment ready (registered, networks, fresh override). */
const PREPARES = new Set(['up', 'create', 'start', 'restart', 'run', 'scale']);
/** Subcommands that print the project model: they show the model cilo runs, the override included. */
const SHOWS_MODEL = new Set(['config', 'convert']);
/** Subcommands whose containers Compose attaches to the project's networks (an anchor may be needed). */
const ATTACHES = new Set(['up', 'create', 'run']);
/** Subcommands after which containers may have started or stopped. */
const CHANGES = new Set([
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

/**
 * x-cilo and, when the files alone say it exactly, the project model (saves a `docker compose config`,
 * ~80 ms). Every file is parsed once; a file that is not there or not readable is left to Compose to report.
 */
export async function readProjectFiles(project: ResolvedProject): Promise<{ xcilo: XCilo; model?: ProjectModel }> {
  const parsed = await Promise.all([...project.texts].map(([file, text]) => parseComposeFile(file, text)));
  const xcilo = await readXCilo(parsed);
  const complete = parsed.length === project.files.length;
  return { xcilo, model: complete ? projectFromFiles(parsed, project.name) : undefined };
}

function scaleOf(subcommand: string, args: readonly string[]): Record<string, number> | undefined {
  if (subcommand === 'up' || subcommand === 'create') return scaleOptions(args);
  return subcommand === 'scale' ? scaleArguments(args) : undefined;
}

async function request(cmd: ManagedCommand, snapshot: State): Promise<PrepareRequest> {
  const { xcilo, model } = await readProjectFiles(cmd.project);
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
  return prepareEnvironment(ctx, { ...(await request(cmd, snapshot)), envNetwork });
}

/**
 * `config` / `convert`: Compose prints the model with the override `up` would write, given on stdin
 * (`-f -`). For an environment not registered yet it is a preview: nothing is written or created, and its
 * addresses are left out (none is allocated).
 */
async function showModel(ctx: Context, cmd: ManagedCommand, snapshot: State): Promise<ExecResult> {
  const { text, registered } = await previewOverride(ctx, await request(cmd, snapshot));
  const args = composeArgs(cmd.selector, { user: cmd.user, override: '-', subcommand: cmd.subcommand, args: cmd.args });
  return ctx.docker.composeExec(args, { cwd: ctx.cwd, input: registered ? text : withoutAddresses(text) });
}

/**
 * Runs `fn` with an anchor on each swarm network this engine does not see yet (network/anchor.ts), when the
 * subcommand attaches containers. An anchor that cannot start undoes a registration made just now.
 */
async function withAnchors<T>(
  ctx: Context,
  cmd: ManagedCommand,
  prepared: Prepared | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (!prepared || prepared.anchors.length === 0 || !ATTACHES.has(cmd.subcommand)) return fn();
  const ids: string[] = [];
  try {
    const owner = { env: prepared.record.name, homeId: homeId(ctx.home), pid: ctx.host.pid };
    for (const net of prepared.anchors)
      ids.push(await startAnchor(ctx.docker, prepared.engineInfo.architecture, net, owner));
  } catch (e) {
    await removeAnchors(ctx.docker, ids);
    if (prepared.registeredNow) await rollbackRegistration(ctx, prepared);
    throw e;
  }
  try {
    return await fn();
  } finally {
    await removeAnchors(ctx.docker, ids);
  }
}

export async function runManaged(ctxGiven: Context, cmd: ManagedCommand): Promise<ManagedResult> {
  const snapshot = cmd.snapshot ?? ctxGiven.store.read();
  // Whatever DOCKER_HOST says now, a registered environment is run on its engine (docs/DESIGN.md §2).
  const ctx = bindToEnvironment(ctxGiven, snapshot, cmd.selector.name);
  if (SHOWS_MODEL.has(cmd.subcommand)) return { result: await showModel(ctx, cmd, snapshot), state: snapshot };
  const prepared = PREPARES.has(cmd.subcommand) ? await prepare(ctx, cmd, snapshot) : undefined;
  const found = prepared ? ([prepared.key, prepared.record] as const) : findEnvByName(snapshot, cmd.selector.name);
  const state = prepared?.state ?? snapshot;
  if (cmd.subcommand === 'down' && found)
    for (const w of consumerWarnings(consumersOf(state, found[0]), found[1].name)) ctx.log.warn(w);

  const result = await withAnchors(ctx, cmd, prepared, () => composeOnTerminal(ctx, cmd, found?.[1]));
  // Only a failed first `up`/`create` is undone: `run` returns its command's exit code, which says nothing
  // about the environment.
  if (
    prepared?.registeredNow &&
    (cmd.subcommand === 'up' || cmd.subcommand === 'create') &&
    result.code !== 0 &&
    !result.signal &&
    result.code !== 130
  ) {
    ctx.log.warn(`the first '${cmd.subcommand}' of ${cmd.selector.name} failed: removing what cilo registered for it`);
    await ctx.docker.compose(
      composeArgs(cmd.selector, {
        override: prepared.overridePath,
        subcommand: 'down',
        args: ['--remove-orphans', '--volumes'],
      }),
      { cwd: ctx.cwd },
    );
    await rollbackRegistration(ctx, prepared);
    return { result };
  }
  if (!found) return { result, state };
  if (!CHANGES.has(cmd.subcommand)) return { result, key: found[0], record: found[1], state };
  const observed = await observeEnvironment(ctx, cmd.selector.name, found[1]);
  if (observed?.record.status === 'running') await startDns(ctx, observed.state);
  return { result, key: found[0], record: observed?.record ?? found[1], state: observed?.state ?? state };
}

/** Runs the user's Compose command with cilo's override (when the environment has one) on the terminal. */
async function composeOnTerminal(
  ctx: Context,
  cmd: ManagedCommand,
  record: Environment | undefined,
): Promise<ExecResult> {
  const override = overrideFile(ctx.home, cmd.selector.name);
  const useOverride = record !== undefined && existsSync(override);
  // A one-off `run` container must not take its service's static address (the service may be running).
  const oneOff = cmd.subcommand === 'run' && useOverride ? runService(cmd.args) : undefined;
  const runOverride =
    oneOff && record!.services[oneOff]?.ip
      ? join(envDir(ctx.home, cmd.selector.name), `run-${ctx.host.pid}.yml`)
      : undefined;
  if (runOverride)
    writeFileSync(runOverride, withoutStaticAddresses(readFileSync(override, 'utf8'), oneOff!), { mode: 0o600 });
  const args = composeArgs(cmd.selector, {
    user: cmd.user,
    override: useOverride ? (runOverride ?? override) : undefined,
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
    if (runOverride) rmSync(runOverride, { force: true });
  }
}

function isAttached(subcommand: string, args: readonly string[]): boolean {
  if (subcommand === 'run') return true;
  if (subcommand !== 'up') return false;
  return !args.some(
    (a) => a === '-d' || a === '--detach' || a === '--wait' || a.startsWith('--detach=') || a.startsWith('--wait='),
  );
}

/** Observes the environment every second until stopped (and the observation in flight has finished). */
function watchWhileRunning(ctx: Context, record: Environment): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  let dnsStarted = false;
  const timer = setInterval(() => {
    if (inFlight) return; // one look at a time: a slow engine skips ticks
    inFlight = observeEnvironment(ctx, record.name, record)
      .then(async (observed) => {
        if (observed?.record.status === 'running' && !dnsStarted) {
          dnsStarted = true;
          await startDns(ctx, observed.state);
        }
      })
      .catch(() => undefined) // retried on the next tick; the observation after Compose returns reports
      .finally(() => (inFlight = undefined));
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
