// The error vocabulary (docs/ARCHITECTURE.md, "Folders and layers"), caught once at the top of each
// executable by reportError. Anything else thrown is a bug in cilo: printed with its stack, exit 70.

/** The user can fix it: printed as `cilo: error: <message>` and `hint: <hint>`, no stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Wrong command-line usage: exit code 2, like Compose and most CLIs. */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, 2);
    this.name = 'UsageError';
  }
}

/**
 * A Docker engine did not answer: never a sign that its objects are gone (docs/DESIGN.md §2, "Engine").
 * Commands that survey several engines (list, doctor) catch it to report that engine instead of failing.
 */
export class EngineUnreachableError extends UserError {
  constructor(
    readonly engine: string,
    where: string,
    readonly reason: string,
  ) {
    super(
      `the Docker engine ${engine === 'local' ? 'of this machine' : engine} does not answer${where === `DOCKER_HOST=${engine}` ? '' : ` (${where})`}: ${reason}`,
      engine === 'local'
        ? 'start Docker (on the test machines: scripts/setup-host.sh) or fix DOCKER_HOST / the docker context'
        : `start that engine or fix how it is reached; 'cilo list' shows which environments live there`,
    );
    this.name = 'EngineUnreachableError';
  }
}

/** A child (usually `docker compose`) already told the user what went wrong: only its code or signal is passed on. */
export class ExitCodeError extends Error {
  constructor(
    readonly exitCode: number,
    readonly signal?: NodeJS.Signals,
  ) {
    super(signal ? `child killed by ${signal}` : `child exited with code ${exitCode}`);
    this.name = 'ExitCodeError';
  }
}

export interface ReportOptions {
  prog: string;
  debug: boolean;
  write: (text: string) => void;
  /**
   * The command was asked for JSON (`--json`, `--format json`): the error is also given as
   * `{"error": …, "hint": …}` here (stdout), where a script reads the data it asked for.
   */
  json?: (value: { error: string; hint?: string }) => void;
  paint?: { error: (s: string) => string; hint: (s: string) => string };
}

/** Prints the error and returns the process exit code (or the signal to re-raise). */
export function reportError(err: unknown, opts: ReportOptions): { code: number; signal?: NodeJS.Signals } {
  const paintError = opts.paint?.error ?? ((s: string) => s);
  const paintHint = opts.paint?.hint ?? ((s: string) => s);
  if (err instanceof ExitCodeError) return { code: err.exitCode, signal: err.signal };
  if (err instanceof UserError) {
    let text = `${opts.prog}: ${paintError('error:')} ${err.message}\n`;
    if (err.hint) text += `${paintHint('hint:')} ${err.hint.replace(/\n/g, '\n      ')}\n`;
    if (opts.debug && err.stack) text += `${err.stack}\n`;
    opts.write(text);
    opts.json?.({ error: err.message, ...(err.hint ? { hint: err.hint } : {}) });
    return { code: err.exitCode };
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  opts.write(
    `${opts.prog}: internal error (this is a bug in cilo): ${stack}\n` +
      `please report it with the command you ran and this output\n`,
  );
  const message = err instanceof Error ? err.message : String(err);
  opts.json?.({
    error: `internal error (this is a bug in cilo): ${message}`,
    hint: 'please report it with the command you ran and its output',
  });
  return { code: 70 };
}
