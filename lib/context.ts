// What core code gets instead of reading process globals, and its one construction from the process, shared
// by both executables (docs/ARCHITECTURE.md, "Context"). Only the entries call contextFromProcess.
import { statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import { socketApi, type EngineApi } from './docker/api.js';
import { composeIdentity } from './docker/binaries.js';
import { SIGIGN_MARKER } from './docker/interruption.js';
import { Docker } from './docker/docker.js';
import type { ComposeVersionCache } from './docker/compose-version.js';
import { cacheKey, readCache, writeCache } from './state/cache.js';
import { currentContext, engineFrom, envFor, LOCAL_ENGINE, type Endpoint, type Engine } from './docker/engines.js';
import { processRunner, type ProcessRunner } from './docker/process.js';
import { overSharedConnection } from './docker/ssh.js';
import { parseSettings, type Settings } from './settings.js';
import type { LockOptions } from './state/lock.js';
import { resolveHome } from './state/paths.js';
import { StateStore } from './state/store.js';

export interface Logger {
  /** Progress and notes (stderr). */
  info: (message: string) => void;
  warn: (message: string) => void;
}

/** Facts about the process and its machine that core code may need. */
export interface HostFacts {
  platform: NodeJS.Platform;
  /** Undefined where the platform has no uids. */
  uid: number | undefined;
  pid: number;
  /** The invoking user's name (dnsmasq runs as this user). */
  user: string;
  /** Terminal width of stdout, when it is a terminal. */
  columns: number | undefined;
  /** The user's home directory (where ~/.docker and ~/.cilo are). */
  userHome: string;
}

export interface Context {
  cwd: string;
  /** The process environment: handed to the programs cilo runs, and read for Compose's own variables. */
  processEnv: NodeJS.ProcessEnv;
  home: string;
  settings: Settings;
  host: HostFacts;
  /** The engine `docker` talks to (ctx.docker's), and whether the user named it (cilo --context). */
  engine: Engine & { explicit: boolean };
  docker: Docker;
  /** For the few programs cilo runs that are not Docker (dnsmasq). */
  runner: ProcessRunner;
  /** The state file of `home`, locked with `locks`. */
  store: StateStore;
  /** Options of every lock cilo takes (state, networks, DNS server): the timeout and a waiting note. */
  locks: LockOptions;
  log: Logger;
  /** Raw stderr, for relaying a child's captured message verbatim. */
  writeStderr(text: string): void;
}

export function stderrLogger(
  prog: string,
  write: (s: string) => void,
  paintWarn: (s: string) => string = (s) => s,
): Logger {
  return {
    info: (m) => write(`${prog}: ${m}\n`),
    warn: (m) => write(`${prog}: ${paintWarn('warning:')} ${m}\n`),
  };
}

export interface ContextParts {
  cwd: string;
  processEnv: NodeJS.ProcessEnv;
  /** `cilo --context NAME`. */
  contextFlag?: string;
  home: string;
  settings: Settings;
  host: HostFacts;
  runner: ProcessRunner;
  log: Logger;
  writeStderr(text: string): void;
  /** Where Compose's version is kept between commands: only for the real docker (tests' fake runners have none). */
  composeVersions?: ComposeVersionCache;
  /** The engines' API on local sockets: only for the real engines (tests' fake ones answer through the runner). */
  engineApi?: EngineApi;
}

/** Compose's version kept in $CILO_HOME/cache, by the identity of the binaries that answer it. */
function composeVersionCache(home: string, env: NodeJS.ProcessEnv, userHome: string): ComposeVersionCache {
  return {
    key: () => composeIdentity(env, userHome),
    read: (key) => readCache<string>(home, 'compose', cacheKey(key)),
    write: (key, version) => writeCache(home, 'compose', cacheKey(key), version),
  };
}

/** Assembles a context from its parts (tests give a fake runner). */
export function createContext(p: ContextParts): Context {
  const locks: LockOptions = {
    timeoutMs: p.settings.lockTimeoutMs,
    onWait: (file, pid) => p.log.info(`waiting for ${file}${pid ? ` (held by pid ${pid})` : ''}...`),
  };
  const engine = engineFrom(p.processEnv, p.contextFlag, () => currentContext(p.processEnv, p.host.userHome));
  const env = overSharedConnection(
    p.contextFlag ? envFor(p.processEnv, engine.endpoint) : p.processEnv,
    p.home,
    engine.name,
    p.host.userHome,
  );
  const explicit = p.contextFlag !== undefined;
  return {
    ...p,
    engine: { ...engine, explicit },
    docker: new Docker(env, p.runner, engine.name, p.composeVersions, p.engineApi),
    store: new StateStore(p.home, locks),
    locks,
  };
}

/**
 * The context for engine `name`, reached by `endpoint` (state's record of it): its Docker is pointed there
 * whatever DOCKER_HOST or DOCKER_CONTEXT say now. The same context when that is the current engine.
 */
export function onEngine(ctx: Context, name: string, endpoint: Endpoint | undefined): Context {
  if (name === ctx.engine.name) return ctx;
  const ep =
    endpoint && (endpoint.docker_host || endpoint.context)
      ? endpoint
      : { context: name === LOCAL_ENGINE ? 'default' : name };
  return {
    ...ctx,
    engine: { name, endpoint: ep, explicit: false },
    docker: ctx.docker.forEngine(
      overSharedConnection(envFor(ctx.processEnv, ep), ctx.home, name, ctx.host.userHome),
      name,
    ),
  };
}

/** The same context running its processes with `runner` and reporting through `log` (cilo mcp's tools). */
export function withRunner(ctx: Context, runner: ProcessRunner, log: Logger): Context {
  return { ...ctx, runner, log, docker: ctx.docker.withRunner(runner) };
}

function userName(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    // a uid without a passwd entry (containers): what the shell says, else the number
    return env.USER || env.LOGNAME || String(process.getuid?.() ?? 'nobody');
  }
}

export function hostFromProcess(): HostFacts {
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    pid: process.pid,
    user: userName(process.env),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    userHome: homedir(),
  };
}

/** Where bin/cilo and the shell front set NODE_EXTRA_CA_CERTS aside for Node's start (it costs Node ~40 ms to
 * load, and cilo makes no TLS connection of its own). */
export const CA_CERTS_ASIDE = '__CILO_NODE_EXTRA_CA_CERTS';

/** Set by bin/cilo and the shell front when they gave Node a compile cache of their choosing (Node 22+). */
export const COMPILE_CACHE_SET = '__CILO_COMPILE_CACHE';

/**
 * The environment as cilo received it, for the programs cilo runs: NODE_EXTRA_CA_CERTS put back as it was
 * set aside, and what bin/cilo or the front set for cilo's own Node alone taken away (a compile cache, the
 * signals ignored at start, which ignoredAtStart reads first).
 */
export function environmentAsReceived(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  if (out[COMPILE_CACHE_SET] !== undefined) delete out.NODE_COMPILE_CACHE;
  delete out[COMPILE_CACHE_SET];
  delete out[SIGIGN_MARKER];
  if (out[CA_CERTS_ASIDE] === undefined) return out;
  out.NODE_EXTRA_CA_CERTS = out[CA_CERTS_ASIDE];
  delete out[CA_CERTS_ASIDE];
  return out;
}

/** The home cilo would use (`$CILO_HOME`, else `~/.cilo`). */
export function homeFromProcess(env: NodeJS.ProcessEnv = process.env): string {
  return resolveHome(env, homedir());
}

/**
 * The working directory as Compose sees it: `$PWD` when it names the current directory (through a
 * symlinked directory, the path the user typed), else the physical one, as Go's os.Getwd decides.
 */
export function logicalCwd(env: NodeJS.ProcessEnv = process.env): string {
  const physical = process.cwd();
  const pwd = env.PWD;
  if (!pwd || !isAbsolute(pwd) || pwd === physical) return physical;
  try {
    const [a, b] = [statSync(pwd), statSync('.')];
    return a.dev === b.dev && a.ino === b.ino ? pwd : physical;
  } catch {
    return physical;
  }
}

/**
 * The context of this process. Parses the settings: a bad one is a UserError naming the variable. `env` and
 * `runner`: the environment and runner the shim restored from the front (lib/shim/handover.ts).
 */
export function contextFromProcess(
  log: Logger,
  writeStderr: (s: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  runner: ProcessRunner = processRunner,
  contextFlag?: string,
): Context {
  const home = homeFromProcess(env);
  const host = hostFromProcess();
  return createContext({
    cwd: logicalCwd(env),
    processEnv: env,
    contextFlag,
    home,
    settings: parseSettings(env),
    host,
    runner,
    log,
    writeStderr,
    composeVersions: composeVersionCache(home, env, host.userHome),
    engineApi: socketApi(host.userHome),
  });
}
