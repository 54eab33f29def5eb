// Bundles the two executables' entries (with code splitting, so lazily imported modules stay lazy) into
// dist/bundle/. One file on the shim's hot path instead of ~15 saves most of ESM's per-module cost.
// npm packages stay external: yaml and yargs are loaded only on the paths that need them.
import { build } from 'esbuild';

await build({
  entryPoints: { 'cilo-compose': 'lib/shim/entry.ts', cilo: 'lib/cli/entry.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
