// `cilo mcp`: a Model Context Protocol server on stdio (docs/DESIGN.md §12), built on the official SDK. Its
// stdout is the protocol, so nothing a tool runs may write there: every process runs captured, and what
// Compose prints while it works becomes progress notifications of the call (and lines on stderr).
import type { Readable, Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type {
  CallToolResult,
  JSONRPCMessage,
  ServerNotification,
  ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { withRunner, type Context } from '../context.js';
import { stoppedBy, whenInterrupted } from '../docker/interruption.js';
import { processRunnerReporting } from '../docker/process.js';
import { UserError } from '../errors/index.js';
import { TOOLS, type Tool } from './tools.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Sends each line as a progress notification of the call, when the client asked for them (a token). */
function progressOf(extra: Extra, log: Context['log']): (text: string) => void {
  const token = extra._meta?.progressToken;
  let progress = 0;
  return (text) => {
    for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
      if (!line) continue;
      log.info(line);
      if (token !== undefined)
        void extra
          .sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: ++progress, message: line },
          })
          .catch(() => undefined);
    }
  };
}

const text = (value: unknown) => JSON.stringify(value, null, 2);

/** A UserError is the tool's error, with cilo's message and hint; anything else is a bug and says so. */
function failure(e: unknown): CallToolResult {
  const error =
    e instanceof UserError
      ? { error: e.message, ...(e.hint ? { hint: e.hint } : {}) }
      : { error: `cilo bug: ${(e as Error).stack ?? String(e)}` };
  return { isError: true, content: [{ type: 'text', text: text(error) }], structuredContent: error };
}

/** What a server may do: its destructive tools, and the environments it sees (a name prefix). */
export interface McpScope {
  allowDestructive: boolean;
  prefix?: string;
}

/**
 * Every environment a call names (`name`, `source`) must be in the server's scope: two agents on one home,
 * each with a server of its own prefix, cannot touch each other's environments (docs/DESIGN.md §13).
 */
function checkScope(args: unknown, scope: McpScope): void {
  const prefix = scope.prefix;
  if (prefix === undefined) return;
  for (const key of ['name', 'source']) {
    const value = (args as Record<string, unknown>)[key];
    if (typeof value === 'string' && !value.startsWith(prefix))
      throw new UserError(
        `${value} is outside this server's scope: it serves environments whose names start with ${prefix}`,
        `name it ${prefix}${value}`,
      );
  }
}

async function call(ctx: Context, t: Tool, args: unknown, extra: Extra, scope: McpScope): Promise<CallToolResult> {
  const report = progressOf(extra, ctx.log);
  const log = { info: report, warn: (m: string) => report(`warning: ${m}`) };
  try {
    checkScope(args, scope);
    const inScope = (name: string) => scope.prefix === undefined || name.startsWith(scope.prefix);
    const value = await t.run(withRunner(ctx, processRunnerReporting(report), log), args as never, inScope);
    return { content: [{ type: 'text', text: text(value) }], structuredContent: value as Record<string, unknown> };
  } catch (e) {
    return failure(stoppedBy(e));
  }
}

/** The requests read from the client and not answered yet (counted where the transport reads and writes). */
function unanswered(transport: StdioServerTransport): { drained: () => Promise<void> } {
  const pending = new Set<string | number>();
  let settle: (() => void) | undefined;
  const deliver = transport.onmessage!;
  transport.onmessage = (m: JSONRPCMessage) => {
    if ('method' in m && 'id' in m) pending.add(m.id);
    deliver(m);
  };
  const send = transport.send.bind(transport);
  transport.send = async (m: JSONRPCMessage) => {
    await send(m);
    if ('id' in m && m.id !== undefined && !('method' in m) && pending.delete(m.id) && pending.size === 0) settle?.();
  };
  return { drained: () => (pending.size === 0 ? Promise.resolve() : new Promise((r) => (settle = r))) };
}

/** Serves the tools on these streams until the client closes its end, or a signal comes. */
export async function serveMcp(
  ctx: Context,
  io: { stdin: Readable; stdout: Writable },
  version: string,
  scope: McpScope = { allowDestructive: false },
): Promise<void> {
  const server = new McpServer({ name: 'cilo', version });
  for (const t of TOOLS.filter((x) => scope.allowDestructive || !x.destructive))
    server.registerTool(
      t.name,
      {
        description: t.description,
        inputSchema: t.input,
        annotations: { readOnlyHint: t.readOnly ?? false, destructiveHint: t.destructive ?? false },
      },
      (args: unknown, extra: Extra) => call(ctx, t, args, extra, scope),
    );
  const closed = new Promise<void>((resolve) => {
    io.stdin.once('end', resolve);
    server.server.onclose = resolve;
    void whenInterrupted().then(() => resolve());
  });
  const transport = new StdioServerTransport(io.stdin, io.stdout);
  await server.connect(transport);
  const requests = unanswered(transport);
  await closed;
  // Every request read is answered before the server exits; after a signal, once its undo has run.
  await requests.drained();
  await server.close();
}
