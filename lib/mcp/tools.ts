// The tools `cilo mcp` offers an agent (docs/DESIGN.md §12): the jobs of the CLI's commands, over the same
// core functions, answering the same JSON shapes as their --json (lib/views/reports.ts).
import { z } from 'zod';
import type { Context } from '../context.js';
import {
  destroyEnvironment,
  forkEnvironment,
  collectGarbage,
  parseDuration,
  createEnvironment,
  downEnvironment,
  upEnvironment,
  execInService,
  serviceLogs,
} from '../core/service.js';
import {
  connectionReport,
  destroyView,
  forkReport,
  listReport,
  outcomeReport,
  sharedReport,
  statusReport,
} from '../views/reports.js';

/** A tool: its name, what it does, its parameters, and the core call that answers it. */
export interface Tool<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  input: S;
  /** Changes nothing: an agent may call it freely. */
  readOnly?: boolean;
  /** Removes environments or data: offered only by a server started with --allow-destructive. */
  destructive?: boolean;
  /** `inScope`: the environments this server may see and touch (cilo mcp --scope). */
  run: (ctx: Context, a: z.infer<z.ZodObject<S>>, inScope: (name: string) => boolean) => Promise<object>;
}

const tool = <S extends z.ZodRawShape>(t: Tool<S>) => t as unknown as Tool;

const name = z.string().describe('the environment (a DNS label: lower-case letters, digits, dashes)');
const service = z.string().describe('a service of its compose files');
/** The largest output a tool returns of a log or a command (its end is kept). */
const maxBytes = z
  .number()
  .int()
  .min(1024)
  .max(4_000_000)
  .default(65_536)
  .describe('keep at most this many bytes (the end)');
/** How long a log or a command may take: past it the call answers an error and the command is stopped. */
const timeoutSeconds = z
  .number()
  .min(1)
  .max(3600)
  .default(120)
  .describe('give up after this many seconds (the call then answers an error)');
const bounds = (a: { max_bytes: number; timeout_seconds: number }) => ({
  maxBytes: a.max_bytes,
  timeoutMs: a.timeout_seconds * 1000,
});

export const TOOLS: readonly Tool[] = [
  tool({
    name: 'create',
    description:
      'Register an environment for the compose project in a directory (nothing runs yet; `up` starts it). With `worktree`, a git worktree of that branch is added and the environment is registered from it.',
    input: {
      name,
      from: z.string().optional().describe('the compose project directory (absolute, or relative to the server)'),
      shared_networks: z.array(z.string()).default([]).describe('shared networks to join'),
      worktree: z.string().optional().describe('a branch: add a git worktree of it (from: inside the repository)'),
      project: z.string().optional().describe('grouping label (default: the directory name)'),
    },
    run: async (ctx, a) =>
      outcomeReport(ctx, await createEnvironment(ctx, { ...a, sharedNetworks: a.shared_networks })),
  }),
  tool({
    name: 'up',
    description:
      'Start an environment (docker compose up -d), sending Compose progress as notifications; answers its status.',
    input: {
      name,
      create_shared: z.boolean().default(false).describe('publish the network cilo-shared-<name> for others to join'),
    },
    run: async (ctx, a) =>
      outcomeReport(ctx, await upEnvironment(ctx, { name: a.name, createShared: a.create_shared, composeArgs: [] })),
  }),
  tool({
    name: 'down',
    description: 'Stop an environment; its networks, addresses and references stay.',
    input: { name },
    run: async (ctx, a) => outcomeReport(ctx, await downEnvironment(ctx, a.name)),
  }),
  tool({
    name: 'destroy',
    description:
      'Remove an environment: containers, volumes, networks, names, state, and the worktree it was created with. Refused while others use its shared network or its worktree has uncommitted changes, unless force.',
    input: {
      name,
      force: z.boolean().default(false).describe('even if others use its shared network or its worktree is dirty'),
      keep_worktree: z.boolean().default(false).describe('keep its git worktree'),
    },
    destructive: true,
    run: async (ctx, a) =>
      destroyView(await destroyEnvironment(ctx, a.name, { force: a.force, keepWorktree: a.keep_worktree })),
  }),
  tool({
    name: 'list',
    description: 'Every environment: status, engine, subnet, services, shared networks, worktree branch.',
    input: {},
    readOnly: true,
    run: async (ctx, _a, inScope) => {
      const report = await listReport(ctx);
      return { ...report, environments: report.environments.filter((e) => inScope(e.name)) };
    },
  }),
  tool({
    name: 'status',
    description: 'One environment: its services with addresses, DNS names, ports and URLs, and its networks.',
    input: { name },
    readOnly: true,
    run: (ctx, a) => statusReport(ctx, a.name),
  }),
  tool({
    name: 'connection',
    description:
      'Where each service answers from this host (host, port, URL) and the variables a program connects with (DB_HOST, DB_PORT, WEB_URL...).',
    input: { name },
    readOnly: true,
    run: async (ctx, a) => connectionReport(ctx, a.name),
  }),
  tool({
    name: 'logs',
    description: "A service's logs (its end, bounded).",
    input: {
      name,
      service,
      tail: z.number().int().min(0).optional().describe('lines from the end (default: all)'),
      since: z.string().optional().describe('only since: a timestamp, or a duration such as 10m'),
      max_bytes: maxBytes,
      timeout_seconds: timeoutSeconds,
    },
    readOnly: true,
    run: (ctx, a) => serviceLogs(ctx, { ...a, ...bounds(a) }),
  }),
  tool({
    name: 'exec',
    description:
      'Run a command in a running service (docker compose exec -T); answers its exit code and output (bounded).',
    input: {
      name,
      service,
      command: z.array(z.string()).min(1).describe('the command and its arguments, e.g. ["sh", "-c", "echo hi"]'),
      max_bytes: maxBytes,
      timeout_seconds: timeoutSeconds,
    },
    run: (ctx, a) => execInService(ctx, { ...a, ...bounds(a) }),
  }),
  tool({
    name: 'fork',
    description:
      "A new environment from another's project and files, with copies of its named volumes' data (a prepared database). The source is paused for the copy unless live. Bind mounts and external volumes are not copied: say share (use the same) or skip (empty volumes).",
    input: {
      source: z.string().describe('the environment to copy'),
      name,
      live: z.boolean().default(false).describe('copy without pausing the source'),
      uncopied: z.enum(['share', 'skip']).optional().describe('what the fork does where data cannot be copied'),
    },
    run: async (ctx, a) => forkReport(ctx, await forkEnvironment(ctx, a)),
  }),
  tool({
    name: 'shared_list',
    description: 'Shared networks: who publishes each, who uses it, whether it exists.',
    input: {},
    readOnly: true,
    run: async (ctx) => ({ shared_networks: await sharedReport(ctx) }),
  }),
  tool({
    name: 'gc',
    description:
      'Destroy environments no cilo command has used for a while and nothing depends on (what killed agents left). dry_run lists them only.',
    input: {
      older_than: z.string().default('24h').describe('unused for at least: 90m, 12h, 7d'),
      dry_run: z.boolean().default(false).describe('list what would go, change nothing'),
      include_running: z.boolean().default(false).describe('remove idle environments that still run too'),
    },
    destructive: true,
    run: (ctx, a, inScope) =>
      collectGarbage(ctx, {
        olderThanMs: parseDuration(a.older_than),
        dryRun: a.dry_run,
        includeRunning: a.include_running,
        only: inScope,
      }),
  }),
];
