// Start-up of `cilo --version` and `cilo list --json` on each Node the tests use: the machine's, and 24 and 26
// from the npm registry's `node` package (scripts/test-node.sh keeps them in .cache/node), each next to the
// machine's Node in the same run; on 22 and newer also with Node's compile cache (NODE_COMPILE_CACHE).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, time, type Row } from './measure.js';

export interface NodesOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  runs: number;
  row: Row;
}

export function nodeStartup(o: NodesOptions): void {
  const entry = join(o.root, 'dist', 'bundle', 'cilo.cjs');
  const others = ['24', '26']
    .map((major) => ({ major, node: join(o.root, '.cache', 'node', major, 'node_modules', 'node', 'bin', 'node') }))
    .filter((n) => existsSync(n.node));
  if (others.length === 0)
    return o.row(['start-up per Node', '', '', '', 'left out: no Node 24 or 26 in .cache/node (scripts/test-node.sh)']);
  const cache = mkdtempSync(join(tmpdir(), 'cilo-compile-cache-'));
  try {
    for (const args of [['--version'], ['list', '--json']])
      for (const { major, node } of others) {
        const label = `cilo ${args.join(' ')}: Node ${process.versions.node} (left), Node ${major}`;
        const run = (cmd: string, env: NodeJS.ProcessEnv) => () => time(cmd, [entry, ...args], o.root, env);
        compare(o.row, label, run(process.execPath, o.env), run(node, o.env), o.runs);
        const cached = { ...o.env, NODE_COMPILE_CACHE: cache };
        compare(o.row, `${label} with its compile cache`, run(process.execPath, o.env), run(node, cached), o.runs);
      }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
