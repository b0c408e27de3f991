// Bundles the CLI, the demo and the benchmarks into dist/ with esbuild.
// `gt` is one CommonJS file: Node starts it faster than an ES module graph.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'pg'],
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { gt: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { 'import.meta.url': '__gtImportMetaUrl' },
  banner: { js: "const __gtImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({
  ...common,
  entryPoints: { demo: 'src/demo/main.ts', bench: 'bench/main.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "import { createRequire as __gtCreateRequire } from 'node:module'; const require = __gtCreateRequire(import.meta.url);",
  },
});
await chmod('dist/gt.cjs', 0o755);
