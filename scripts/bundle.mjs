// Bundles the two executables' entries (with code splitting, so lazily imported modules stay lazy) into
// dist/bundle/. One file on the shim's hot path instead of ~15 saves most of ESM's per-module cost, and
// yaml bundled into the managed path's chunk loads in a fraction of its ~55 ms as a package of many
// CommonJS files. yaml and yargs still load only on the paths that import them. fs-ext is a native addon
// and stays external.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { 'cilo-compose': 'lib/shim/entry.ts', cilo: 'lib/cli/entry.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['fs-ext'],
  // yaml is CommonJS and requires Node built-ins; an ESM bundle has no `require` unless we make one.
  banner: { js: "import { createRequire as __ciloCreateRequire } from 'node:module'; const require = __ciloCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
