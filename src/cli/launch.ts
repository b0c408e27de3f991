// Loads the bundled command line (dist/gt-main.cjs) through V8's code cache, so a start
// does not pay to compile the whole bundle again.
//
// The build writes dist/gt-main.cache after running the commonest commands in a scratch
// town (scripts/build.mjs). V8 refuses a cache made by another Node or under other V8
// flags (NODE_OPTIONS=--max-old-space-size=… is enough), so when the build's cache does
// not fit, gt saves one of its own after the command, in a folder only the user can
// write ($XDG_CACHE_HOME or ~/.cache, then gastown-ts/), named by build and by Node
// version and flags; the next start with the same Node and flags uses it.
//
// Every cache file begins with the build id from the bundle's first line: a cache from
// another build is never offered to V8. Without a usable cache the bundle compiles as it
// would under require(); nothing but speed depends on a cache. GT_CODE_CACHE=off uses
// and writes none.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

export const MAIN_FILE = 'gt-main.cjs';
export const CACHE_FILE = 'gt-main.cache';

/** The bundle's first line: `// gt build <id>`, the id being a hash of the rest. */
const BUILD_LINE = /^\/\/ gt build ([0-9a-f]{16})\n/;
const ID_BYTES = 16;

export type CacheUse = 'accepted' | 'rejected' | 'none';

export interface LoadedCli {
  main: (argv: string[]) => Promise<number>;
  script: Script;
  buildId: string | undefined;
  cache: CacheUse;
  /** Where the cache offered to V8 came from. */
  source: 'build' | 'user' | 'none';
  /** Saves this process's compiled code as the user's cache, when the one offered did not fit. */
  saveUserCache: () => void;
}

/** The V8 data in `bytes` if they were made for `buildId`, else undefined. */
function dataFor(bytes: Buffer | undefined, buildId: string): Buffer | undefined {
  if (bytes === undefined || bytes.length <= ID_BYTES) return undefined;
  return bytes.toString('latin1', 0, ID_BYTES) === buildId ? bytes.subarray(ID_BYTES) : undefined;
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The cache file's bytes for a script of build `buildId`: the id, then V8's data. */
export function cacheBytes(buildId: string, script: Script): Buffer {
  return Buffer.concat([Buffer.from(buildId, 'latin1'), script.createCachedData()]);
}

/** The user's code-cache folder, or undefined when there is no home to put it in. */
export function userCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME?.startsWith('/')
    ? env.XDG_CACHE_HOME
    : env.HOME?.startsWith('/')
      ? join(env.HOME, '.cache')
      : undefined;
  return base === undefined ? undefined : join(base, 'gastown-ts');
}

/** Ours and writable by nobody else: the only kind of file or folder a cache is read from. */
function private_(path: string, kind: 'file' | 'dir'): boolean {
  try {
    const st = lstatSync(path);
    const right = kind === 'dir' ? st.isDirectory() : st.isFile();
    return right && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * Names what V8 checks a cache against besides the source: Node's version and its flags.
 * Two FNV-1a passes over the text: on every start, so cheap; a clash costs only a refused
 * cache, which is then rewritten.
 */
function runtimeKey(env: NodeJS.ProcessEnv): string {
  const text = [process.version, process.arch, env.NODE_OPTIONS ?? '', ...process.execArgv].join(
    '\0',
  );
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ text.charCodeAt(i), 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Writes the cache for build `buildId` to `file` and removes the caches of other builds. */
function writeUserCache(dir: string, file: string, buildId: string, script: Script): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!private_(dir, 'dir')) return;
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, cacheBytes(buildId, script), { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
    for (const name of readdirSync(dir))
      if (name.endsWith('.cache') && !name.startsWith(`${buildId}-`)) unlinkSync(join(dir, name));
  } catch {
    // a cache is only ever a shortcut: a full disk or a read-only home costs speed, not work
  }
}

/** Compiles and runs the bundle in `dir`; `useCache: false` ignores every cache. */
export function loadCli(
  dir: string,
  opts: { useCache?: boolean; env?: NodeJS.ProcessEnv } = {},
): LoadedCli {
  const env = opts.env ?? process.env;
  const file = join(dir, MAIN_FILE);
  const source = readFileSync(file, 'utf8');
  const buildId = BUILD_LINE.exec(source)?.[1];
  const enabled = opts.useCache !== false && env.GT_CODE_CACHE !== 'off' && buildId !== undefined;

  let offered: Buffer | undefined;
  let from: LoadedCli['source'] = 'none';
  let userFile: string | undefined;
  const userDir = enabled ? userCacheDir(env) : undefined;
  if (enabled) {
    // The user's own cache exists only where the build's did not fit this Node: try it first.
    if (userDir !== undefined) {
      userFile = join(userDir, `${buildId}-${runtimeKey(env)}.cache`);
      if (private_(userDir, 'dir') && private_(userFile, 'file')) {
        offered = dataFor(readOrUndefined(userFile), buildId);
        if (offered !== undefined) from = 'user';
      }
    }
    if (offered === undefined) {
      offered = dataFor(readOrUndefined(join(dir, CACHE_FILE)), buildId);
      if (offered !== undefined) from = 'build';
    }
  }

  // The wrapper shares the first line with the bundle, so line numbers in stacks hold.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, cachedData: offered },
  );
  const cache: CacheUse =
    offered === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
  const wrapper = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} as { main?: LoadedCli['main'] } };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dir);
  const main = module.exports.main;
  if (typeof main !== 'function') throw new Error(`${file} does not export main()`);
  const saveUserCache = (): void => {
    if (cache === 'accepted' || userDir === undefined || userFile === undefined) return;
    if (buildId !== undefined) writeUserCache(userDir, userFile, buildId, script);
  };
  return { main, script, buildId, cache, source: from, saveUserCache };
}
