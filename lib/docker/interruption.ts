// Ctrl-C and SIGTERM during a command that changes things (docs/DESIGN.md §13, "Signals"). Node's default
// would end cilo on the spot: a source left paused by `cilo fork`, its helper containers, a registration half
// made. Instead the first signal stops the work where it is: the step under way ends (the docker commands cilo
// runs are out of the terminal's reach, process.ts), a copy that streams is stopped, and the next step is
// refused (InterruptedError). The code that undoes, run in `undoing()`, still runs to its end. A second
// signal ends cilo at once; `cilo doctor --fix` repairs what is then left.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { UserError } from '../errors/index.js';

/** The work was stopped by a signal; exit 128+N, as a shell reports a command that signal stopped. */
export class InterruptedError extends UserError {
  constructor(
    readonly signal: NodeJS.Signals,
    hint = "what it had begun was undone; 'cilo doctor' shows anything left over",
  ) {
    super(`interrupted by ${signal}`, hint, 128 + (constants.signals[signal] ?? 2));
    this.name = 'InterruptedError';
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const undoScope = new AsyncLocalStorage<true>();
const running = new Set<ChildProcess>();
let received: NodeJS.Signals | undefined;
let guarded = false;
/** Compose runs on the terminal: it gets the signals, and exec() decides what they mean (process.ts). */
let foreground = 0;

const waiting: ((s: NodeJS.Signals) => void)[] = [];

/** The signal that stopped this command's work, if one did. */
export const interruption = (): NodeJS.Signals | undefined => received;

/** Resolves at the first signal (a server that waits for its client: `cilo mcp`). */
export const whenInterrupted = (): Promise<NodeJS.Signals> =>
  received ? Promise.resolve(received) : new Promise((resolve) => waiting.push(resolve));

/** What a command that failed reports: after a signal, the failure of a step it cut short is the signal. */
export function stoppedBy(err: unknown): unknown {
  return received && !(err instanceof InterruptedError) ? new InterruptedError(received) : err;
}

/** Fails with InterruptedError once a signal came, except in code that undoes. */
export function checkInterrupted(): void {
  if (received !== undefined && !undoScope.getStore()) throw new InterruptedError(received);
}

/** Runs `fn` to its end whatever signal comes meanwhile: the undo of what an interrupted command began. */
export function undoing<T>(fn: () => Promise<T>): Promise<T> {
  return undoScope.run(true, fn);
}

/** A process that may run long (a copy, a service's logs): stopped (SIGTERM) when a signal stops the work. */
export function track(child: ChildProcess): void {
  if (!guarded || undoScope.getStore()) return;
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** While Compose runs in the foreground, its own handling of signals applies (exec in process.ts). */
export async function inForeground<T>(fn: () => Promise<T>): Promise<T> {
  foreground++;
  try {
    return await fn();
  } finally {
    foreground--;
  }
}

/**
 * From now on, a signal stops the work instead of ending the process. `say` tells the user what happens
 * (stderr); `exit` ends the process at the second signal. Signals in `ignored` stay ignored.
 */
export function guardSignals(
  say: (text: string) => void,
  exit: (code: number) => never,
  ignored: readonly number[],
): void {
  if (guarded) return;
  guarded = true;
  const wasIgnored = (s: NodeJS.Signals) => ignored.includes(constants.signals[s]);
  // Node gave them the default disposition back, which would end cilo: a listener that does nothing keeps
  // them ignored, as whoever started cilo meant (a background job of a script ignores SIGINT).
  for (const s of SIGNALS.filter(wasIgnored)) process.on(s, () => undefined);
  for (const s of SIGNALS.filter((x) => !wasIgnored(x)))
    process.on(s, () => {
      if (foreground > 0 && received === undefined) return;
      if (received !== undefined) {
        say(`cilo: ${s} again: stopping now; 'cilo doctor --fix' repairs what is left\n`);
        exit(128 + (constants.signals[s] ?? 2));
      }
      received = s;
      say(`cilo: ${s}: stopping and undoing what was begun (again to stop at once)\n`);
      for (const child of running) child.kill('SIGTERM');
      for (const resolve of waiting.splice(0)) resolve(s);
    });
}

/** The signals of a SigIgn mask (hex, bit n-1 for signal n). */
export function signalsOf(mask: string): number[] {
  const bits = BigInt(`0x${mask}`);
  const out: number[] = [];
  for (let n = 1; n <= 64; n++) if ((bits >> BigInt(n - 1)) & 1n) out.push(n);
  return out;
}

/** Where the shell before Node (bin/cilo, the shim's front) says which signals were ignored at start. */
export const SIGIGN_MARKER = '__CILO_SIGIGN';

/**
 * The signals cilo was started with ignored (`nohup`, a background job of a script): Node resets every
 * disposition at start, so the shell that starts it reads them (/proc/$$/status) and passes them on.
 */
export function ignoredAtStart(env: NodeJS.ProcessEnv): number[] {
  const mask = env[SIGIGN_MARKER];
  return mask && /^[0-9a-f]{1,16}$/i.test(mask) ? signalsOf(mask) : [];
}
