// The only place where cilo starts (and signals) processes. Everything else asks a ProcessRunner, so unit
// tests can inject a fake one. Built on node:child_process only: the shim's hot path cannot afford execa's
// ~70 ms import (docs/ARCHITECTURE.md, "Start-up cost").
import { spawn } from 'node:child_process';
import { UserError } from '../errors/index.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExecResult {
  code: number;
  signal: NodeJS.Signals | null;
}

export interface ProcessRunner {
  /** Runs a command with captured output. Never rejects on a non-zero exit. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs a command with the terminal (stdio inherited; stdin is `input` when given), behaving like exec. */
  exec(cmd: string, args: readonly string[], opts?: RunOptions): Promise<ExecResult>;
}

function notFound(cmd: string): UserError {
  return new UserError(
    `'${cmd}' was not found on PATH`,
    cmd === 'docker'
      ? 'install Docker Engine and the Compose v2 plugin (on Debian as root: scripts/setup-host.sh)'
      : cmd === 'dnsmasq'
        ? 'install dnsmasq (Debian: apt-get install dnsmasq-base; macOS: brew install dnsmasq), or set CILO_DNS=off'
        : `install ${cmd} and try again`,
  );
}

function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? notFound(cmd) : e));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A child that exits without reading its input must not crash us with EPIPE.
    if (opts.input !== undefined) child.stdin!.on('error', () => undefined).end(opts.input);
  });
}

// Node 20 has no execve, so we spawn and wait. On a terminal, Ctrl-C / Ctrl-\ / hang-up reach the child
// directly (same process group): we ignore them instead of sending a second one, which Compose would turn
// into a forced kill. SIGTERM is sent only to us (kill <pid>), so we forward it.
const IGNORED: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGHUP'];

function exec(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: [opts.input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'] });
    if (opts.input !== undefined) child.stdin!.on('error', () => undefined).end(opts.input);
    const ignore = () => {};
    const forward = () => child.kill('SIGTERM');
    for (const s of IGNORED) process.on(s, ignore);
    process.on('SIGTERM', forward);
    const cleanup = () => {
      for (const s of IGNORED) process.off(s, ignore);
      process.off('SIGTERM', forward);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(e.code === 'ENOENT' ? notFound(cmd) : e);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      resolve({ code: code ?? 128, signal });
    });
  });
}

export const processRunner: ProcessRunner = { run, exec };

/** True while a process of that pid exists (also one we may not signal). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, up to 2 s of waiting, then SIGKILL. Resolves once the process is gone (or was never there). */
export async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/** Ends this process the way the child ended: same exit code, or the same signal re-raised on ourselves. */
export function exitLike(result: { code: number; signal?: NodeJS.Signals | null }): never {
  if (result.signal) {
    // Handlers were removed by exec(); with the default disposition the re-raised signal kills us, so the
    // shell sees 128+N exactly as it would for docker compose itself.
    process.kill(process.pid, result.signal);
  }
  process.exit(result.code);
}
