// A service's logs and a command run in it, captured and bounded, for a caller that is not a terminal (the MCP
// server's tools: docs/DESIGN.md §12). On a terminal, `cilo-compose logs` and `exec` are Compose's own.
import { UserError } from '../../errors/index.js';
import { composeArgs } from '../../compose/command.js';
import { markUsed } from '../../state/usage.js';
import type { Context } from '../../context.js';
import { bindToEnvironment } from '../steps/engines.js';
import { loadEnvironment, requireProject, writtenOverride } from '../steps/load.js';

/** At most `max` bytes of `text`: its end, where a failure's message is. */
export function lastBytes(text: string, max: number): { text: string; truncated: boolean } {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return { text, truncated: false };
  return {
    text: b
      .subarray(b.length - max)
      .toString('utf8')
      .replace(/^\uFFFD+/, ''),
    truncated: true,
  };
}

/** How a caller bounds a command: its time, and the bytes of each stream kept while it runs. */
export interface Bounds {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * `docker compose SUBCOMMAND FLAGS -- SERVICE REST` of environment `name`, with its override, captured, on its
 * engine. The service must be one of the environment's: a caller's text never becomes a flag of Compose's.
 */
async function composeOf(
  ctxGiven: Context,
  o: { name: string; service: string },
  subcommand: string,
  [flags, rest]: [string[], string[]],
  bounds: Bounds,
) {
  const loaded = loadEnvironment(ctxGiven, o.name);
  if (!loaded.record.services[o.service])
    throw new UserError(
      `${o.name} has no service ${JSON.stringify(o.service)}`,
      `its services: ${Object.keys(loaded.record.services).join(', ') || 'none recorded yet (cilo up ' + o.name + ')'}`,
    );
  const { selector, project } = requireProject(loaded);
  const ctx = bindToEnvironment(ctxGiven, loaded.state, o.name);
  const args = [...flags, '--', o.service, ...rest];
  const argv = composeArgs(selector, { override: writtenOverride(ctx.home, o.name), subcommand, args });
  const r = await ctx.docker.compose(argv, {
    cwd: project.projectDir,
    timeoutMs: bounds.timeoutMs,
    keepLastBytes: bounds.maxBytes,
    stoppable: true,
  });
  if (r.timedOut)
    throw new UserError(
      `docker compose ${subcommand} of ${o.name}/${o.service} did not end within ${bounds.timeoutMs / 1000} s: stopped`,
      'give it more time (timeout_seconds), or a command that ends; a process it started in the container may still run there',
    );
  markUsed(ctx.home, o.name);
  return r;
}

/** Compose's refusal (no such service, not running) as an error the caller can act on. */
function refused(name: string, stderr: string): UserError | undefined {
  const line = stderr.trim().split('\n').pop() ?? '';
  if (/no such service|is not running|not found|no container found/i.test(line))
    return new UserError(
      `${name}: ${line}`,
      `see the services and their state: cilo status ${name}; start them: cilo up ${name}`,
    );
  return undefined;
}

export interface LogsOptions extends Bounds {
  name: string;
  service: string;
  /** Lines from the end (default: all). */
  tail?: number;
  /** Only lines since: a timestamp (2026-12-06T10:00:00Z) or a duration (10m). */
  since?: string;
}

export async function serviceLogs(ctx: Context, o: LogsOptions) {
  const args = ['--no-color', '--no-log-prefix', ...(o.tail !== undefined ? [`--tail=${o.tail}`] : [])];
  if (o.since) args.push(`--since=${o.since}`);
  const r = await composeOf(ctx, o, 'logs', [args, []], o);
  if (r.code !== 0) throw refused(o.name, r.stderr) ?? new UserError(`docker compose logs failed: ${r.stderr.trim()}`);
  const { text, truncated } = lastBytes(r.stdout + r.stderr, o.maxBytes);
  return { environment: o.name, service: o.service, logs: text, truncated };
}

export interface ExecOptions extends Bounds {
  name: string;
  service: string;
  command: string[];
}

/** Runs a command in a running service (`docker compose exec -T`); its exit code and output, each bounded. */
export async function execInService(ctx: Context, o: ExecOptions) {
  if (o.command.length === 0)
    throw new UserError('no command given', 'give the command as a list: ["sh", "-c", "echo hi"]');
  const r = await composeOf(ctx, o, 'exec', [['-T'], o.command], o);
  // Compose's own refusal exits 1 with its message and nothing from the command; the command's exit is its own.
  const error = r.code !== 0 && r.stdout === '' ? refused(o.name, r.stderr) : undefined;
  if (error) throw error;
  const [stdout, stderr] = [lastBytes(r.stdout, o.maxBytes), lastBytes(r.stderr, o.maxBytes)];
  return {
    environment: o.name,
    service: o.service,
    exit_code: r.code,
    stdout: stdout.text,
    stderr: stderr.text,
    truncated: stdout.truncated || stderr.truncated,
  };
}
