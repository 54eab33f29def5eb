// Running a Compose command for a cilo environment: the path shared by `cilo-compose` (managed
// projects) and `cilo up/down`.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GlobalFlags } from '../compose/global-flags.js';
import type { ResolvedProject } from '../compose/resolve.js';
import { mentionsXCilo, readXCilo, type XCilo } from '../compose/x-cilo.js';
import { parseComposeFile } from '../compose/yaml-file.js';
import { runService, scaleArguments, scaleOptions, selectorArgs, servicesFromFiles, type ProjectSelector, type ServiceModel } from '../compose/model.js';
import { withoutStaticAddresses } from '../compose/override.js';
import type { ExecResult } from '../docker/process.js';
import { envDir, overrideFile } from '../state/paths.js';
import { envNetworkName } from '../network/networks.js';
import { findEnvByName } from '../state/schema.js';
import { readState } from '../state/store.js';
import type { Context } from './context.js';
import { observeEnvironment } from './observe.js';
import { prepareEnvironment, rollbackRegistration, type Prepared } from './prepare.js';
import { consumersOf } from './shared.js';
import { dnsEnabled, ensureDnsServer } from '../dns/server.js';
import { UserError } from '../errors/index.js';

/** Subcommands that need the environment ready (registered, networks, fresh override). */
const PREPARES = new Set(['up', 'create', 'start', 'restart', 'run', 'scale']);
/** Subcommands after which containers may have started or stopped. */
const CHANGES = new Set(['up', 'create', 'start', 'restart', 'run', 'down', 'stop', 'kill', 'rm', 'pause', 'unpause', 'scale']);

export interface ManagedCommand {
  flags: GlobalFlags;
  project: ResolvedProject;
  subcommand: string;
  subArgs: string[];
  /** Flags of `cilo up` that add to x-cilo. */
  cli?: { createShared?: boolean };
}

/**
 * x-cilo and, when the files alone say it exactly, the services (saves a `docker compose config`, ~80 ms).
 * Every file is parsed once; a file that is not there or not readable is left to Compose to report.
 */
export async function readProjectFiles(project: ResolvedProject): Promise<{ xcilo: XCilo; services?: ServiceModel[] }> {
  const parsed = await Promise.all([...project.texts].map(([file, text]) => parseComposeFile(file, text)));
  const xcilo = await readXCilo(parsed.filter((p) => mentionsXCilo(p.text)));
  const complete = parsed.length === project.files.length;
  return { xcilo, services: complete ? servicesFromFiles(parsed) : undefined };
}

export function selectorFor(flags: GlobalFlags, project: ResolvedProject): ProjectSelector {
  return { files: project.files, projectDirectory: flags.projectDirectory, envFiles: flags.envFiles, name: project.name };
}

export async function runManaged(ctx: Context, cmd: ManagedCommand): Promise<ExecResult> {
  const { flags, project, subcommand, subArgs } = cmd;
  const selector = selectorFor(flags, project);
  let prepared: Prepared | undefined;
  if (PREPARES.has(subcommand)) {
    // Started now, awaited later: they overlap with parsing the files.
    void ctx.docker.composeVersion().catch(() => undefined);
    const envNetwork = ctx.docker.inspectNetwork(envNetworkName(project.name));
    envNetwork.catch(() => undefined);
    const { xcilo, services } = await readProjectFiles(project);
    prepared = await prepareEnvironment(ctx, {
      selector,
      source: project.projectDir,
      rememberFiles: project.discovered ? undefined : project.files,
      xcilo,
      services,
      envNetwork,
      cli: cmd.cli,
      scale: subcommand === 'up' || subcommand === 'create' ? scaleOptions(subArgs) : subcommand === 'scale' ? scaleArguments(subArgs) : undefined,
      materialize: true,
    });
  }
  const state = readState(ctx.home);
  const found = findEnvByName(state, project.name);
  const override = overrideFile(ctx.home, project.name);
  const useOverride = found !== undefined && existsSync(override);
  if (subcommand === 'down' && found) warnConsumers(ctx, consumersOf(state, found[0]), found[1].name);

  // Our explicit -f replaces Compose's discovery: re-add the `.env` it would have read when that is not
  // the first file's directory (COMPOSE_FILE set in a `.env` elsewhere).
  const extra: string[] = [];
  if (flags.envFiles.length === 0 && project.dotenvDir && project.dotenvDir !== (flags.projectDirectory ?? dirname(project.files[0]!)))
    for (const f of project.envFilesRead) extra.push('--env-file', f);
  // A one-off `run` container must not take its service's static address (the service may be running).
  const oneOff = subcommand === 'run' && useOverride ? runService(subArgs) : undefined;
  const runOverride = oneOff && found![1].services[oneOff]?.ip ? join(envDir(ctx.home, project.name), `run-${process.pid}.yml`) : undefined;
  if (runOverride) writeFileSync(runOverride, withoutStaticAddresses(readFileSync(override, 'utf8'), oneOff!), { mode: 0o600 });
  const files = useOverride ? [runOverride ?? override] : [];
  const args = [...flags.otherTokens, ...extra, ...selectorArgs({ ...selector, projectDirectory: undefined, envFiles: [] }, files), subcommand, ...subArgs];
  // An attached `up` or a `run` keeps Compose in the foreground: its services must resolve while it runs,
  // not only once it returns.
  const watcher = found && isAttached(subcommand, subArgs) ? watchWhileRunning(ctx, project.name) : undefined;
  let result: ExecResult;
  try {
    result = await ctx.docker.composeExec(args, { cwd: ctx.cwd });
  } finally {
    await watcher?.stop();
    if (runOverride) rmSync(runOverride, { force: true });
  }

  // Only a failed first `up`/`create` is undone: `run` returns its command's exit code, which says nothing
  // about the environment.
  if (prepared?.registeredNow && (subcommand === 'up' || subcommand === 'create') && result.code !== 0 && !result.signal && result.code !== 130) {
    ctx.log.warn(`the first '${subcommand}' of ${project.name} failed: removing what cilo registered for it`);
    await ctx.docker.compose([...selectorArgs(selector, [override]), 'down', '--remove-orphans', '--volumes'], { cwd: ctx.cwd });
    await rollbackRegistration(ctx, prepared);
    return result;
  }
  if (found && CHANGES.has(subcommand)) {
    const env = await observeEnvironment(ctx, project.name);
    if (env?.status === 'running') await startDns(ctx);
  }
  return result;
}

function isAttached(subcommand: string, subArgs: readonly string[]): boolean {
  if (subcommand === 'run') return true;
  if (subcommand !== 'up') return false;
  return !subArgs.some((a) => a === '-d' || a === '--detach' || a === '--wait' || a.startsWith('--detach=') || a.startsWith('--wait='));
}

/** Observes the environment every second until stopped (and the observation in flight has finished). */
function watchWhileRunning(ctx: Context, name: string): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  let dnsStarted = false;
  const timer = setInterval(() => {
    if (inFlight) return; // one look at a time: a slow engine skips ticks
    inFlight = observeEnvironment(ctx, name)
      .then(async (env) => {
        if (env?.status === 'running' && !dnsStarted) {
          dnsStarted = true;
          await startDns(ctx);
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

/** Compose succeeded: a DNS server that cannot start is worth a warning, not a failed command. */
async function startDns(ctx: Context): Promise<void> {
  if (!dnsEnabled(ctx.env)) return;
  await ensureDnsServer(ctx, { quietIfRunning: true }).catch((e: unknown) => {
    if (!(e instanceof UserError)) throw e;
    ctx.log.warn(`host DNS names are not served: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  });
}

function warnConsumers(ctx: Context, consumers: Map<string, string[]>, name: string): void {
  for (const [net, keys] of consumers)
    ctx.log.warn(`${name} publishes ${net}, used by ${keys.join(', ')}: they lose its services until 'cilo up ${name}' (the network stays)`);
}
