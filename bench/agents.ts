// `npm run bench`, the agents' figures (docs/DESIGN.md §12): a fork of an environment whose volume holds 100 MB,
// against `docker cp` of the same data alone (goal <= 1.5x); and one MCP tool call (`status`) to a warm
// `cilo mcp`, end to end, against `cilo status --json` as a process (goal <= 0.5x). Everything it creates is
// destroyed at the end, also on failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fmt, median, time, type Row } from './measure.js';

export interface AgentsOptions {
  cilo: string;
  root: string;
  env: NodeJS.ProcessEnv;
  runs: number;
  row: Row;
}

const docker = (args: string[], env: NodeJS.ProcessEnv) =>
  execFileSync('docker', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Alternates two measurements (after a warm-up each); records the medians and their ratio against `goal`. */
async function pairs(
  o: AgentsOptions,
  label: string,
  plain: () => Promise<number>,
  ours: () => Promise<number>,
  runs: number,
  goal: string,
) {
  await plain();
  await ours();
  const p: number[] = [];
  const q: number[] = [];
  for (let i = 0; i < runs; i++) {
    p.push(await plain());
    q.push(await ours());
  }
  const [a, b] = [median(p), median(q)];
  o.row([
    label,
    fmt(a),
    fmt(b),
    `${b >= a ? '+' : ''}${(b - a).toFixed(1)} ms`,
    `${(b / a).toFixed(2)}x (goal ${goal})`,
  ]);
}

export async function agents(o: AgentsOptions): Promise<void> {
  const src = `benchsrc${process.pid}`;
  const forks: string[] = [];
  const sink = `benchsink${process.pid}`;
  try {
    time(o.cilo, ['create', src, '--from', join(o.root, 'fixtures', 'data')], o.root, o.env);
    time(o.cilo, ['up', src], o.root, o.env);
    const store = docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${src}`], o.env);
    docker(['exec', store, 'sh', '-c', 'dd if=/dev/urandom of=/data/blob bs=1M count=100 2>/dev/null'], o.env);
    // The same data, copied alone: into a volume of a container that is created and never started.
    docker(['container', 'create', '--name', sink, '-v', `${sink}:/data`, 'cilo-fixture:busybox'], o.env);
    const copyAlone = async () =>
      time('sh', ['-c', `docker cp ${store}:/data/. - | docker cp - ${sink}:/data`], o.root, o.env);
    const fork = async () => {
      const name = `benchfork${process.pid}x${forks.length}`;
      forks.push(name);
      const ms = time(o.cilo, ['fork', src, name], o.root, o.env);
      time(o.cilo, ['destroy', name], o.root, o.env);
      return ms;
    };
    await pairs(o, 'fork: 100 MB volume, running source', copyAlone, fork, Math.min(o.runs, 5), '<= 1.5x');
    await mcpStatus(o, src);
  } finally {
    for (const n of [...forks, src]) spawnSync(o.cilo, ['destroy', n], { env: o.env, stdio: 'ignore' });
    spawnSync('docker', ['rm', '-f', '-v', sink], { env: o.env, stdio: 'ignore' });
    spawnSync('docker', ['volume', 'rm', '-f', sink], { env: o.env, stdio: 'ignore' });
  }
}

/** One `status` tool call to a warm server, against `cilo status --json` as a process. */
async function mcpStatus(o: AgentsOptions, name: string): Promise<void> {
  const client = new Client({ name: 'cilo-bench', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: o.cilo,
      args: ['mcp'],
      env: o.env as Record<string, string>,
      stderr: 'ignore',
    }),
  );
  try {
    const call = async () => {
      const t0 = performance.now();
      const r = await client.callTool({ name: 'status', arguments: { name } });
      if (r.isError) throw new Error(`status over MCP failed: ${JSON.stringify(r.content)}`);
      return performance.now() - t0;
    };
    const process = async () => time(o.cilo, ['status', name, '--json'], o.root, o.env);
    await pairs(o, 'mcp: one status call (warm server)', process, call, o.runs, '<= 0.5x');
  } finally {
    await client.close();
  }
}
