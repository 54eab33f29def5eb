// Builds the executables' entries into dist/ (after tsc, whose output in dist/ it reads):
// - cilo-compose: dist/cilo-compose, the shell front, generated from its template lib/shim/front.sh with the
//   constants the Node shim decides by (below), and the shim, one CommonJS file (dist/bundle/cilo-compose.cjs)
//   that the front starts only for command lines that may concern a cilo project; one CommonJS file starts ~15 ms faster than
//   ESM modules (no module loader), and what the managed path needs later (core, yaml) waits inside it,
//   evaluated only when first used.
// - cilo: one CommonJS file too (dist/bundle/cilo.cjs); each command's module is a lazy part of it, evaluated
//   only when that command runs.
// yaml and yargs are bundled (yaml as a package of many CommonJS files costs ~55 ms to load); fs-ext is a
// native addon and stays external.
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { PROJECTLESS } from '../dist/compose/subcommands.js';
import { BASE_NAMES, OVERRIDE_NAMES } from '../dist/compose/resolve.js';
import { NAME_KEY, XCILO_KEY } from '../dist/compose/top-level.js';

/** Text inside a double-quoted shell string, as an ERE alternative that matches it literally. */
const ereInQuotes = (s) => s.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&').replace(/["$`\\]/g, '\\$&');
const word = (s) => {
  if (!/^[A-Za-z0-9_.-]+$/.test(s)) throw new Error(`front: ${JSON.stringify(s)} is not safe in the shell front`);
  return s;
};

/** The shell front: its template with every placeholder filled in; a placeholder left is a build error. */
function writeFront() {
  const values = {
    PROJECTLESS: PROJECTLESS.map(word).join(' | '),
    BASE_NAMES: BASE_NAMES.map(word).join(' '),
    OVERRIDE_NAMES: OVERRIDE_NAMES.map(word).join(' '),
    FILES_IN_DIR: [...BASE_NAMES, ...OVERRIDE_NAMES].map((f) => `"$dir/${word(f)}"`).join(' '),
    XCILO_KEY: XCILO_KEY.map(ereInQuotes).join('|'),
    NAME_KEY: NAME_KEY.map(ereInQuotes).join('|'),
  };
  const text = readFileSync('lib/shim/front.sh', 'utf8').replace(/@([A-Z_]+)@/g, (all, name) => {
    if (!(name in values)) throw new Error(`front: no value for ${all}`);
    return values[name];
  });
  writeFileSync('dist/cilo-compose.tmp', text, { mode: 0o755 });
  chmodSync('dist/cilo-compose.tmp', 0o755);
  renameSync('dist/cilo-compose.tmp', 'dist/cilo-compose');
}

rmSync('dist/bundle', { recursive: true, force: true });
// The MCP SDK and zod (`cilo mcp` alone uses them) are required from node_modules when that command runs, so
// no other command reads them.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['fs-ext', '@modelcontextprotocol/sdk', 'zod'],
  logLevel: 'warning',
  // import() as require(): Node's ESM loader would parse a CommonJS file for its exports first (yaml.cjs:
  // ~25 ms of cjs-module-lexer on every managed command).
  supported: { 'dynamic-import': false },
};

// yaml is most of the shim's bytes, and the managed path needs it only when a project's files are not in
// cilo's cache (lib/core/steps/files.ts): a file of its own beside the shim, required when first used,
// so Node does not read and compile it on every run.
const yamlBeside = {
  name: 'yaml-beside',
  setup: (b) => b.onResolve({ filter: /^yaml$/ }, () => ({ path: './yaml.cjs', external: true })),
};
await build({
  ...common,
  entryPoints: { 'cilo-compose': 'lib/shim/entry.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [yamlBeside],
  // The code reads import.meta.url to find what sits beside it; CommonJS has __filename.
  define: { 'import.meta.url': '__ciloModuleUrl' },
  banner: { js: "var __ciloModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({
  ...common,
  entryPoints: { yaml: 'yaml' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
});

// yargs lays out help with string-width, which compiles emoji tables at load (~30 ms of every start): cilo's
// help is plain text, measured by lib/cli/text-width.ts instead.
const plainTextWidth = {
  name: 'plain-text-width',
  setup: (b) => b.onResolve({ filter: /^string-width$/ }, () => ({ path: resolve('lib/cli/text-width.ts') })),
};
await build({
  ...common,
  entryPoints: { cilo: 'lib/cli/entry.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [yamlBeside, plainTextWidth],
  define: { 'import.meta.url': '__ciloModuleUrl' },
  banner: { js: "var __ciloModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

writeFront();
