// `cilo mcp` driven by a real MCP client (the SDK's, over stdio) on the real engine: two environments created
// and started through it, a command run in each, logs, a fork with its data, destroy; every answer held
// against the CLI's --json for the same environment, and a bad argument that changes nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  BIN_CILO,
  FIXTURES,
  PROCESS_BOUND_MS,
  cilo,
  ciloEnv,
  requireDocker,
  uniqueName,
  waitFor,
  type CiloEnv,
} from '../helpers.ts';

const DATA = join(FIXTURES, 'data');

async function connect(t: TestContext, ce: CiloEnv, flags = ['--allow-destructive']): Promise<Client> {
  const transport = new StdioClientTransport({
    command: BIN_CILO,
    args: ['mcp', ...flags],
    env: ce.env as Record<string, string>,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'cilo-test', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

interface Answer {
  isError: boolean;
  value: Record<string, unknown>;
  progress: string[];
}

/** One tool call; its structured answer, whether it is an error, and the progress messages it sent. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Answer> {
  const progress: string[] = [];
  const r = await client.callTool({ name, arguments: args }, undefined, {
    timeout: PROCESS_BOUND_MS,
    resetTimeoutOnProgress: true,
    onprogress: (p) => void progress.push(p.message ?? ''),
  });
  const text = (r.content as { type: string; text: string }[])[0]!.text;
  assert.deepEqual(r.structuredContent, JSON.parse(text), `${name}: its text is its structured answer`);
  return { isError: r.isError === true, value: r.structuredContent as Record<string, unknown>, progress };
}

async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Answer> {
  const a = await call(client, name, args);
  assert.equal(a.isError, false, `${name} ${JSON.stringify(args)}: ${JSON.stringify(a.value)}`);
  return a;
}

async function cliJson(ce: CiloEnv, args: string[]): Promise<unknown> {
  const r = await cilo(args, { env: ce.env });
  assert.equal(r.exitCode, 0, `cilo ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const stateBytes = (ce: CiloEnv) => readFileSync(join(ce.home, 'state.json'));

test('an MCP client creates, starts, runs commands in, forks and destroys environments', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const client = await connect(t, ce);
  const names = (await client.listTools()).tools.map((x) => x.name);
  for (const n of [
    'create',
    'up',
    'down',
    'destroy',
    'list',
    'status',
    'connection',
    'logs',
    'exec',
    'fork',
    'shared_list',
  ])
    assert.ok(names.includes(n), `the server offers ${n} (offers ${names.join(', ')})`);

  const [a, b, c] = [uniqueName('ma'), uniqueName('mb'), uniqueName('mc')];
  for (const n of [a, b]) {
    const created = await ok(client, 'create', { name: n, from: DATA });
    assert.deepEqual(created.value, await cliJson(ce, ['status', n, '--json']), `create ${n} answers its status`);
  }
  for (const n of [a, b]) {
    const up = await ok(client, 'up', { name: n });
    assert.ok(
      up.progress.some((m) => m.includes(`${n}-store-1`)),
      `up ${n} sent Compose's progress as notifications: ${JSON.stringify(up.progress)}`,
    );
    assert.deepEqual(up.value, await cliJson(ce, ['status', n, '--json']), `up ${n} answers its status`);
    assert.equal(up.value.status, 'running');
  }

  // A command in each: its own output, and a file written into its volume.
  for (const n of [a, b]) {
    const run = await ok(client, 'exec', {
      name: n,
      service: 'store',
      command: ['sh', '-c', 'echo "data of $ENV_NAME" > /data/who && cat /data/who && echo to-stderr >&2'],
    });
    assert.deepEqual(
      { code: run.value.exit_code, out: run.value.stdout, err: run.value.stderr },
      { code: 0, out: `data of ${n}\n`, err: 'to-stderr\n' },
    );
  }
  const failing = await ok(client, 'exec', { name: a, service: 'store', command: ['sh', '-c', 'exit 3'] });
  assert.equal(failing.value.exit_code, 3, "a command's own failure is its exit code, not a tool error");
  const logs = await ok(client, 'logs', { name: a, service: 'store', tail: 10 });
  assert.match(String(logs.value.logs), new RegExp(`store of ${a} starts with`));

  // What an agent passes stays inside its call: a service is one of the environment's (never a flag of
  // Compose's), output is held bounded while it is produced, and a command that never ends is stopped.
  const flag = await call(client, 'exec', { name: a, service: '--privileged', command: ['id'] });
  assert.equal(flag.isError, true, 'a flag as the service is a tool error');
  assert.match(String(flag.value.error), /has no service "--privileged"/);
  const big = await ok(client, 'exec', {
    name: a,
    service: 'store',
    command: ['sh', '-c', 'head -c 52428800 /dev/zero | tr "\\0" a; echo END'],
    max_bytes: 65_536,
  });
  assert.equal(big.value.truncated, true);
  assert.ok(String(big.value.stdout).length <= 65_536 && String(big.value.stdout).endsWith('aEND\n'), '50 MB, its end');
  const started = Date.now();
  const hang = await call(client, 'exec', {
    name: a,
    service: 'store',
    command: ['sleep', '100000'],
    timeout_seconds: 2,
  });
  assert.equal(hang.isError, true);
  assert.match(String(hang.value.error), /did not end within 2 s/);
  assert.ok(Date.now() - started < PROCESS_BOUND_MS, 'answered at its timeout');

  assert.deepEqual((await ok(client, 'status', { name: a })).value, await cliJson(ce, ['status', a, '--json']));
  assert.deepEqual((await ok(client, 'list')).value, await cliJson(ce, ['list', '--json']));
  assert.deepEqual(
    (await ok(client, 'connection', { name: b })).value,
    await cliJson(ce, ['env', b, '--format', 'json']),
  );
  assert.deepEqual((await ok(client, 'shared_list')).value, await cliJson(ce, ['shared', 'list', '--json']));

  // A fork of a running environment carries its data.
  const fork = await ok(client, 'fork', { source: a, name: c });
  const { copied_volumes, uncopied, source_paused, ...view } = fork.value;
  assert.deepEqual(view, await cliJson(ce, ['status', c, '--json']), 'fork answers the new environment');
  assert.deepEqual(
    [copied_volumes, uncopied, source_paused],
    [[{ key: 'data', from: `${a}_data`, to: `${c}_data` }], [], true],
  );
  await ok(client, 'up', { name: c });
  const copied = await ok(client, 'exec', { name: c, service: 'store', command: ['cat', '/data/who'] });
  assert.equal(copied.value.stdout, `data of ${a}\n`);

  // Bad arguments: tool errors with cilo's message and hint, and nothing changed.
  const before = stateBytes(ce);
  for (const [tool, args, re] of [
    ['create', { name: 'Bad_Name', from: DATA }, /invalid environment name/],
    ['fork', { source: uniqueName('none'), name: uniqueName('x') }, /no environment named/],
    ['exec', { name: a, service: 'nosuch', command: ['true'] }, /nosuch/],
    ['create', { name: a, from: DATA }, /already exists/],
  ] as const) {
    const bad = await call(client, tool, args);
    assert.equal(bad.isError, true, `${tool} ${JSON.stringify(args)} is a tool error`);
    assert.match(String(bad.value.error), re);
    assert.ok(bad.value.hint, `${tool}: the error says what to do: ${JSON.stringify(bad.value)}`);
  }
  assert.deepEqual(stateBytes(ce), before, 'the bad calls left the state file byte for byte');

  for (const n of [c, a, b]) {
    const gone = await ok(client, 'destroy', { name: n });
    assert.match(String(gone.value.destroyed), new RegExp(`/${n}$`));
  }
  assert.deepEqual((await ok(client, 'list')).value, { environments: [] });
});

test('a server offers destroy and gc only when allowed, and touches only the environments of its scope', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const plain = await connect(t, ce, []);
  const offered = (await plain.listTools()).tools;
  assert.deepEqual(
    offered.filter((x) => ['destroy', 'gc'].includes(x.name)),
    [],
    'no destructive tool without --allow-destructive',
  );
  assert.equal(offered.find((x) => x.name === 'status')?.annotations?.readOnlyHint, true);

  const [mine, theirs] = [`a${uniqueName('s')}`, `b${uniqueName('s')}`];
  for (const n of [mine, theirs])
    assert.equal((await cilo(['create', n, '--from', DATA], { env: ce.env })).exitCode, 0);
  const scoped = await connect(t, ce, ['--allow-destructive', '--scope', 'a']);
  assert.equal((await scoped.listTools()).tools.find((x) => x.name === 'destroy')?.annotations?.destructiveHint, true);
  const before = stateBytes(ce);
  for (const [tool, args] of [
    ['status', { name: theirs }],
    ['destroy', { name: theirs }],
    ['fork', { source: theirs, name: `a${theirs}` }],
  ] as const) {
    const r = await call(scoped, tool, args);
    assert.equal(r.isError, true, `${tool} of another scope's environment`);
    assert.match(String(r.value.error), /outside this server's scope/);
  }
  assert.deepEqual(stateBytes(ce), before, 'nothing changed');
  const listed = (await ok(scoped, 'list')).value.environments as { name: string }[];
  assert.deepEqual(
    listed.map((e) => e.name),
    [mine],
  );
  const gc = (await ok(scoped, 'gc', { older_than: '0s', dry_run: true })).value as { removed: { name: string }[] };
  assert.deepEqual(
    gc.removed.map((e) => e.name),
    [mine],
    "gc sees only its scope's",
  );
  await ok(scoped, 'destroy', { name: mine });
  assert.equal((await cilo(['status', theirs], { env: ce.env })).exitCode, 0, "the other scope's stays");
  assert.equal((await cilo(['destroy', theirs], { env: ce.env })).exitCode, 0);
});

/** A client that speaks JSON-RPC lines itself, to close its end or signal the server while a call runs. */
function rawServer(ce: CiloEnv) {
  const child = spawn(BIN_CILO, ['mcp', '--allow-destructive'], { env: ce.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const answers = new Map<number, Record<string, unknown>>();
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.on('data', (b: Buffer) => {
    buffer += b.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const msg = JSON.parse(buffer.slice(0, nl)) as { id?: number; result?: Record<string, unknown> };
      buffer = buffer.slice(nl + 1);
      if (msg.id !== undefined) answers.set(msg.id, msg.result ?? { error: msg });
    }
  });
  const send = (msg: object) => child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\n');
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  send({
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  send({ method: 'notifications/initialized' });
  const tool = (id: number, name: string, args: object) =>
    send({ id, method: 'tools/call', params: { name, arguments: args } });
  return { child, answers, send, tool, exited, stderr: () => stderr };
}

test('a server answers every call it received: after its client closed stdin, and after a SIGTERM (the call undone)', async (t) => {
  if (!requireDocker(t)) return;
  const ce = await ciloEnv(t, { CILO_DNS: 'off' });
  const [src, fork] = [uniqueName('mcpsig'), uniqueName('mcpfork')];

  const closing = rawServer(ce);
  closing.tool(1, 'create', { name: src, from: DATA });
  await waitFor('the answer to create', () => closing.answers.get(1), PROCESS_BOUND_MS);
  closing.tool(2, 'up', { name: src });
  closing.child.stdin.end();
  assert.equal(await closing.exited, 0, closing.stderr());
  const up = closing.answers.get(2) as { isError?: boolean } | undefined;
  assert.ok(up && up.isError !== true, `the up was answered: ${JSON.stringify(up)}`);
  assert.equal((await cilo(['status', src, '--json'], { env: ce.env })).exitCode, 0);
  const store = `${src}-store-1`;
  execFileSync('docker', ['exec', store, 'sh', '-c', 'dd if=/dev/urandom of=/data/blob bs=1M count=60 2>/dev/null']);

  const signalled = rawServer(ce);
  signalled.tool(1, 'fork', { source: src, name: fork });
  await waitFor(
    'the fork to pause its source',
    () =>
      execFileSync('docker', ['inspect', '--format', '{{.State.Paused}}', store], { encoding: 'utf8' }).trim() ===
      'true',
    PROCESS_BOUND_MS,
  ).catch(() => undefined); // a fast copy may be over before it is seen paused: the signal still comes mid-call or after
  signalled.child.kill('SIGTERM');
  const code = await signalled.exited;
  const answer = signalled.answers.get(1) as { isError?: boolean; structuredContent?: { error?: string } };
  assert.ok(answer, `the fork was answered: ${signalled.stderr()}`);
  t.diagnostic(`the fork's answer: ${answer.structuredContent?.error ?? 'done before the signal'}`);
  if (answer.isError) {
    assert.equal(code, 143, signalled.stderr());
    assert.match(answer.structuredContent?.error ?? '', /interrupted by SIGTERM/);
    assert.equal((await cilo(['status', fork], { env: ce.env })).exitCode, 1, 'no half fork stays');
  }
  assert.equal(
    execFileSync('docker', ['inspect', '--format', '{{.State.Status}}', store], { encoding: 'utf8' }).trim(),
    'running',
  );
});
