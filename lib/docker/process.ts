// The only place where cilo starts (and signals) processes. Everything else asks a ProcessRunner, so unit
// tests can inject a fake one. Built on node:child_process only: the shim's hot path cannot afford execa's
// ~70 ms import (docs/ARCHITECTURE.md, "Start-up cost").
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors/index.js';
import { checkInterrupted, inForeground, interruption, track } from './interruption.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Sent SIGTERM past this; the result then says `timedOut`. */
  timeoutMs?: number;
  /** Keep only the last this many bytes of each stream while it is produced (a command that prints 50 MB). */
  keepLastBytes?: number;
  /** It may run long and changes nothing of cilo's (a service's logs, an exec): a signal stops it. */
  stoppable?: boolean;
}

export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** It ran past `timeoutMs` and was sent SIGTERM (it may still have exited with a code of its own). */
  timedOut?: boolean;
}

export interface ExecResult {
  code: number;
  signal: NodeJS.Signals | null;
  /**
   * The first signal this process got while the command ran (a Ctrl-C on the terminal, a SIGTERM it
   * forwarded). The command may then end in any way, even a crash: Compose 2.26 can panic (exit 2) on a
   * SIGTERM during an attached `up`; it was still the user who stopped it.
   */
  interrupted?: NodeJS.Signals;
}

export interface ProcessRunner {
  /** Runs a command with captured output. Never rejects on a non-zero exit. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /**
   * Runs a command with the terminal (stdio inherited; stdin is `input` when given), behaving like exec.
   * An argument given as bytes reaches the command as those bytes (see execBytes).
   */
  exec(cmd: string, args: readonly (string | Buffer)[], opts?: RunOptions): Promise<ExecResult>;
  /** Runs `from | to`: the first's output is the second's input; each one's stderr captured. */
  pipe(from: Command, to: Command, opts?: RunOptions): Promise<{ from: RunResult; to: RunResult }>;
}

export interface Command {
  cmd: string;
  args: readonly string[];
}

/** A program that could not be started: not found on PATH (ENOENT), or found nowhere this user may run it (EACCES). */
function notStarted(e: NodeJS.ErrnoException, cmd: string): Error {
  if (e.code !== 'ENOENT' && e.code !== 'EACCES') return e;
  return new UserError(
    `'${cmd}' was not found on PATH${e.code === 'EACCES' ? ' (or this user may not run it)' : ''}`,
    cmd === 'docker'
      ? 'install Docker Engine and the Compose v2 plugin (on Debian as root: scripts/setup-host.sh)'
      : cmd === 'dnsmasq'
        ? 'install dnsmasq (Debian: apt-get install dnsmasq-base; macOS: brew install dnsmasq), or set CILO_DNS=off'
        : `install ${cmd} and try again`,
  );
}

async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  checkInterrupted();
  // In a process group of its own, out of reach of the terminal's Ctrl-C: a `docker network create` cut
  // short may still make its network after the undo looked. Such a step ends, then the work stops.
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (opts.stoppable) track(child);
  // A child that exits without reading its input must not crash us with EPIPE.
  if (opts.input !== undefined) child.stdin!.on('error', () => undefined).end(opts.input);
  // Our own timer, not spawn's: a child that handles SIGTERM exits with a code, and that is a timeout too.
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, opts.timeoutMs);
  try {
    const r = await finished(child, cmd, opts.keepLastBytes);
    return timedOut ? { ...r, timedOut } : r;
  } finally {
    clearTimeout(timer);
  }
}

// Node 20 has no execve, so we spawn and wait. On a terminal, Ctrl-C / Ctrl-\ / hang-up reach the child
// directly (same process group): we ignore them instead of sending a second one, which Compose would turn
// into a forced kill. SIGTERM is sent only to us (kill <pid>), so we forward it.
const IGNORED: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGHUP'];

/** What a plain exec would have given the child and spawn does not: inherited descriptors, ignored signals. */
export interface Inheritance {
  /** Descriptors above 2 to pass on at the same numbers (spawn passes only 0-2). */
  fds: readonly number[];
  /** Signal numbers to keep ignored (spawn resets every disposition to the default). */
  ignoredSignals: readonly number[];
}

/**
 * The child's stdio slots, and, when signals must stay ignored, the command wrapped in a shell that ignores
 * them before it execs it (a disposition of "ignore" survives exec; spawn cannot set one).
 */
function inherited(cmd: string, args: readonly string[], stdin: 'inherit' | 'pipe', i: Inheritance) {
  const top = Math.max(2, ...i.fds);
  const stdio: ('inherit' | 'pipe' | 'ignore' | number)[] = [stdin, 'inherit', 'inherit'];
  for (let fd = 3; fd <= top; fd++) stdio.push(i.fds.includes(fd) ? fd : 'ignore');
  if (i.ignoredSignals.length === 0) return { cmd, args, stdio };
  return { cmd: '/bin/sh', args: ['-c', `trap '' ${i.ignoredSignals.join(' ')}; exec "$0" "$@"`, cmd, ...args], stdio };
}

/**
 * Node hands arguments to a child as UTF-8 strings, so bytes that are not UTF-8 (which Compose takes as they
 * are) would be altered. Such a command line is replayed through perl, which reads it from a file and execs
 * the command with the bytes as they were. Without perl the arguments go as Node decoded them.
 */
const REPLAY =
  'local $/ = "\\0"; open(my $f, "<", $ARGV[0]) or die "$!\\n"; my @a = <$f>; chomp @a; unlink $ARGV[0]; exec { $a[0] } @a or exit 127';

async function execBytes(
  cmd: string,
  args: readonly (string | Buffer)[],
  opts: RunOptions,
  inherit: Inheritance,
): Promise<ExecResult> {
  const file = join(tmpdir(), `cilo-argv-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, Buffer.concat([cmd, ...args].map((a) => Buffer.concat([Buffer.from(a), Buffer.from([0])]))), {
    mode: 0o600,
  });
  try {
    return await exec('perl', ['-e', REPLAY, file], opts, inherit);
  } catch (e) {
    if (!(e instanceof UserError)) throw e; // perl is not installed: the decoded arguments, then
    return exec(cmd, args.map(String), opts, inherit);
  } finally {
    rmSync(file, { force: true });
  }
}

function exec(
  cmd: string,
  args: readonly (string | Buffer)[],
  opts: RunOptions = {},
  inherit: Inheritance = { fds: [], ignoredSignals: [] },
): Promise<ExecResult> {
  checkInterrupted();
  if (args.some((a) => typeof a !== 'string')) return execBytes(cmd, args, opts, inherit);
  return inForeground(() => onTerminal(cmd, args as string[], opts, inherit));
}

/** The command on the terminal: while it runs, signals are its own (see IGNORED). */
function onTerminal(cmd: string, args: readonly string[], opts: RunOptions, inherit: Inheritance): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const how = inherited(cmd, args, opts.input === undefined ? 'inherit' : 'pipe', inherit);
    const child = spawn(how.cmd, how.args, { cwd: opts.cwd, env: opts.env, stdio: how.stdio });
    if (opts.input !== undefined) child.stdin!.on('error', () => undefined).end(opts.input);
    let interrupted: NodeJS.Signals | undefined;
    const ignore = (s: NodeJS.Signals) => void (interrupted ??= s);
    const forward = () => {
      interrupted ??= 'SIGTERM';
      child.kill('SIGTERM');
    };
    for (const s of IGNORED) process.on(s, ignore);
    process.on('SIGTERM', forward);
    const cleanup = () => {
      for (const s of IGNORED) process.off(s, ignore);
      process.off('SIGTERM', forward);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(notStarted(e, cmd));
    });
    child.on('exit', (code, signal) => {
      cleanup();
      resolve({ code: code ?? 128, signal, ...(interrupted && { interrupted }) });
    });
  });
}

/** The chunks of a stream, with at most `keep` bytes held beyond the newest chunk (undefined: all). */
function collector(keep: number | undefined): { chunks: Buffer[]; add: (b: Buffer) => void } {
  const chunks: Buffer[] = [];
  let held = 0;
  return {
    chunks,
    add: (b: Buffer) => {
      chunks.push(b);
      held += b.length;
      if (keep === undefined) return;
      while (chunks.length > 1 && held - chunks[0]!.length >= keep) held -= chunks.shift()!.length;
    },
  };
}

/** Collects a child's streams (their ends only, with `keep`); resolves on its close with the child's exit. */
function finished(child: ChildProcess, cmd: string, keep?: number): Promise<RunResult> {
  const { chunks: out, add: addOut } = collector(keep);
  const { chunks: err, add: addErr } = collector(keep);
  child.stdout?.on('data', addOut);
  child.stderr!.on('data', addErr);
  return new Promise((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(notStarted(e, cmd)));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/**
 * `from | to`: the second reads the first's output directly (its pipe is handed over, so the data never passes
 * through Node, which would cost ~15 ms a MB); the first stops when the second exits before reading it all.
 */
async function pipe(from: Command, to: Command, opts: RunOptions = {}) {
  checkInterrupted();
  // A copy may stream for minutes: a signal stops it (the fork's undo removes what it wrote).
  const a = spawn(from.cmd, from.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const b = spawn(to.cmd, to.args, { cwd: opts.cwd, env: opts.env, stdio: [a.stdout, 'ignore', 'pipe'] });
  track(a);
  track(b);
  a.stdout.destroy(); // the second has its own copy; ours would compete for the data
  b.on('close', () => a.kill());
  const [x, y] = await Promise.all([finished(a, from.cmd), finished(b, to.cmd)]);
  return { from: x, to: y };
}

export const processRunner: ProcessRunner = { run, exec, pipe };

/** A runner whose terminal runs pass on what the process inherited (see Inheritance). */
export function processRunnerWith(inherit: Inheritance): ProcessRunner {
  return { run, exec: (cmd, args, opts) => exec(cmd, args, opts, inherit), pipe };
}

/**
 * A runner for a process whose stdout is not a terminal but a protocol (`cilo mcp`): what would run on the
 * terminal runs with its output captured and handed, as it comes, to `onOutput`.
 */
export function processRunnerReporting(onOutput: (text: string) => void): ProcessRunner {
  const reporting = async (cmd: string, args: readonly (string | Buffer)[], opts: RunOptions = {}) => {
    checkInterrupted();
    const child = spawn(cmd, args.map(String), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin!.on('error', () => undefined).end(opts.input);
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (b: Buffer) => onOutput(b.toString('utf8')));
    track(child); // the server's signal stops it, as a Ctrl-C stops Compose on a terminal
    const r = await finished(child, cmd);
    const interrupted = interruption();
    return { code: r.code, signal: r.signal, ...(interrupted && { interrupted }) };
  };
  return { run, exec: reporting, pipe };
}

/** Ends this process the way the child ended: same exit code, or the same signal re-raised on ourselves. */
export function exitLike(result: { code: number; signal?: NodeJS.Signals | null }): never {
  if (result.signal) {
    // With the default disposition back (exec() and guardSignals() handlers gone), the re-raised signal
    // kills us, so the shell sees 128+N exactly as it would for docker compose itself.
    process.removeAllListeners(result.signal);
    process.kill(process.pid, result.signal);
  }
  process.exit(result.code);
}
