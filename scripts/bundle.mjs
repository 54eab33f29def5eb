// Bundles each executable's entry into dist/bundle/<name>/ with code splitting, so lazily imported modules
// stay lazy. The two are built separately: chunks shared between them would put several files on the
// shim's hot path, where each ESM module costs start-up time; built alone, the shim's passthrough path is
// one file of Node built-ins. yaml and yargs are bundled too (yaml as a package of many CommonJS files
// costs ~55 ms to load); they still load only on the paths that import them. fs-ext is a native addon and
// stays external.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
for (const [name, entry] of [
  ['cilo-compose', 'lib/shim/entry.ts'],
  ['cilo', 'lib/cli/entry.ts'],
]) {
  await build({
    entryPoints: { [name]: entry },
    outdir: `dist/bundle/${name}`,
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
}
