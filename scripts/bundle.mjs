// Bundles the executables' entries into dist/bundle/.
// - cilo-compose: one CommonJS file (dist/bundle/cilo-compose.cjs). bin/cilo-compose, a shell front, starts
//   it only for command lines that may concern a cilo project; one CommonJS file starts ~15 ms faster than
//   ESM modules (no module loader), and what the managed path needs later (core, yaml) waits inside it,
//   evaluated only when first used.
// - cilo: ESM with code splitting into dist/bundle/cilo/, so each command module (and yargs) loads only
//   when it runs.
// yaml and yargs are bundled (yaml as a package of many CommonJS files costs ~55 ms to load); fs-ext is a
// native addon and stays external.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', external: ['fs-ext'], logLevel: 'warning' };

await build({
  ...common,
  entryPoints: { 'cilo-compose': 'lib/shim/entry.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // The code reads import.meta.url to find what sits beside it; CommonJS has __filename.
  define: { 'import.meta.url': '__ciloModuleUrl' },
  banner: { js: "var __ciloModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

await build({
  ...common,
  entryPoints: { cilo: 'lib/cli/entry.ts' },
  outdir: 'dist/bundle/cilo',
  splitting: true,
  format: 'esm',
  // yaml is CommonJS and requires Node built-ins; an ESM bundle has no `require` unless we make one.
  banner: {
    js: "import { createRequire as __ciloCreateRequire } from 'node:module'; const require = __ciloCreateRequire(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
});
