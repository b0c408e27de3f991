// Bundles the CLI, the demo and the benchmarks into dist/ with esbuild, then makes the
// CLI's code cache.
//
// `gt` is dist/gt.cjs, a small launcher, and dist/gt-main.cjs, the command line as one
// CommonJS file (Node starts that faster than an ES module graph). Its first line names
// the build by a hash of the rest; dist/gt-main.cache is V8's compiled code for it, made
// by scripts/code-cache.ts and used only by the build it names.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import process from 'node:process';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
};
// The CJS files have no import.meta: give them the one thing the code reads from it.
const cjs = {
  ...common,
  format: 'cjs',
  define: { 'import.meta.url': '__gtImportMetaUrl' },
  banner: { js: "const __gtImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// Every build starts from an empty dist/, so nothing of an older build (a cache least of all) lingers.
await rm('dist', { recursive: true, force: true });
await mkdir('dist');

// commander loads child_process (3 ms of every start) for executable subcommands, which
// gt does not have: defer it to the first spawn. The build fails if commander changes.
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const text = await readFile(args.path, 'utf8');
      if (!text.includes(eager)) throw new Error(`${args.path}: no "${eager}" to defer`);
      const lazy =
        "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * Node's own modules that most commands never use (a server, a child process, a hash) cost
 * ~15 ms to load at every start when the bundle requires them up front. Each such require()
 * becomes a stand-in that loads the module at the first use of any of its properties.
 * Only modules whose export is a plain object: a stand-in cannot be called or constructed.
 */
const LAZY_BUILTINS = [
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'perf_hooks',
  'readline',
  'tls',
  'v8',
  'worker_threads',
  'zlib',
];
const LAZY_REQUIRE = `var __gtLazy = (id) => {
  let m;
  const load = () => (m ??= require(id));
  return new Proxy({}, {
    get: (_, k) => load()[k],
    set: (_, k, v) => ((load()[k] = v), true),
    has: (_, k) => k in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, k) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), k);
      return d === undefined ? d : { ...d, configurable: true };
    },
  });
};
`;

function lazyBuiltins(text) {
  const names = LAZY_BUILTINS.map((n) => n.replace('/', '\\/')).join('|');
  const eager = new RegExp(`\\brequire\\("((?:node:)?(?:${names}))"\\)`, 'g');
  const lazy = text.replace(eager, '__gtLazy("$1")');
  // After esbuild's "use strict" line, which must stay the file's first statement.
  const strict = '"use strict";';
  const at = lazy.indexOf(strict);
  if (at < 0) throw new Error('build: no "use strict" in the bundle to put __gtLazy after');
  return lazy.slice(0, at + strict.length) + LAZY_REQUIRE + lazy.slice(at + strict.length);
}

const main = await build({
  ...cjs,
  plugins: [lazyChildProcess],
  // better-sqlite3's JavaScript is bundled (no module resolution at start); its addon is
  // loaded by path. `bindings` is its fallback addon finder, never reached that way.
  external: ['pg', 'bindings'],
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/gt-main.cjs',
  write: false,
  minifyWhitespace: true,
  minifySyntax: true,
});
const code = lazyBuiltins(main.outputFiles[0].text);
const buildId = createHash('sha256').update(code).digest('hex').slice(0, 16);
await writeFile('dist/gt-main.cjs', `// gt build ${buildId}\n${code}`);

await build({
  ...cjs,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/gt.cjs',
});
await chmod('dist/gt.cjs', 0o755);
// An agent's session finds this gt first on its PATH (src/agents/gt-command.ts). A file, not a
// symbolic link: npm leaves links out of a package. Its folder says CommonJS, whatever the
// package around it says.
await mkdir('dist/bin');
await writeFile('dist/bin/package.json', '{ "type": "commonjs" }\n');
await writeFile('dist/bin/gt', "#!/usr/bin/env node\nrequire('../gt.cjs');\n", { mode: 0o755 });

// The native gt (native/gt.c), where a C compiler is at hand: sessions prefer it once it
// answers a probe (src/agents/gt-command.ts). Without one, agents' hooks run the Node gt.
await mkdir('dist/native');
// Linked statically where the C library allows it: a hook's gt then starts without the dynamic
// loader (0.58 against 0.72 ms of CPU per start on the bench machine, twice a turn).
const compile = (extra) =>
  spawnSync(
    process.env.CC ?? 'cc',
    ['-std=c11', '-O2', '-s', ...extra, '-Wall', '-Wextra', '-o', 'dist/native/gt', 'native/gt.c'],
    { stdio: extra.length > 0 ? 'ignore' : 'inherit' },
  );
let cc = compile(['-static']);
if (cc.status !== 0) cc = compile([]);
if (cc.status !== 0) {
  await rm('dist/native', { recursive: true, force: true });
  process.stderr.write(
    'build: no C compiler built native/gt.c: agents run the Node gt (slower hooks)\n',
  );
}

// The gt a person's shell runs (package.json's bin): the native gt where it was built and runs
// on this machine, else the Node gt. A POSIX shell script: npm links it wherever it installs
// the package, readlink finds the package again, and the probe keeps a native gt built for
// another machine from being run at all.
await writeFile(
  'dist/gt',
  `#!/bin/sh
# gt: the native gt beside this file when it runs here (it hands a command to the town's daemon
# and runs the Node gt for the rest), else the Node gt. GT_NATIVE=off: the Node gt always.
self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
dir=\${self%/*}
if [ "\${GT_NATIVE:-}" != off ] && [ -x "$dir/native/gt" ] &&
  [ "$("$dir/native/gt" --native-probe 2>/dev/null)" = "gt native 1" ]; then
  exec "$dir/native/gt" "$@"
fi
exec node "$dir/gt.cjs" "$@"
`,
  { mode: 0o755 },
);

await build({
  ...common,
  external: ['pg', 'bindings'],
  sourcemap: 'linked',
  entryPoints: {
    demo: 'src/demo/main.ts',
    bench: 'bench/main.ts',
    'model-server': 'src/demo/model-server.ts',
    'code-cache': 'scripts/code-cache.ts',
  },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "import { createRequire as __gtCreateRequire } from 'node:module'; const require = __gtCreateRequire(import.meta.url);",
  },
});

// The training runs gt for real: none of the builder's own town may reach it (a store
// URL, an agent token, a daemon host), so it gets no GT_ or PostgreSQL variables.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(GT_|PG)/.test(key) && key !== 'TMUX'),
);
const made = spawnSync(process.execPath, ['dist/code-cache.js'], {
  env,
  stdio: ['ignore', 'ignore', 'pipe'],
  timeout: 60_000,
});
if (made.status !== 0)
  process.stderr.write(
    `build: no code cache for gt (it still works, it only starts slower): ${made.error?.message ?? ''}\n${made.stderr}`,
  );
