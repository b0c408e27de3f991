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
// Every cache file begins with a stamp of the bundle it was made for: the build id from
// the bundle's first line, its size and its modification time. V8 itself checks little
// more than the source's length, so a cache is offered only to the very file it was made
// from. Files are written whole (fsync, then rename), because V8 trusts what it is given:
// a cache damaged after that would stop gt until it is deleted or GT_CODE_CACHE=off.
// Without a usable cache the bundle compiles as it would under require(); nothing but
// speed depends on a cache.
import { InternalError } from '../errors.js';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { fnv1a32 } from '../util/fnv.js';
import { writeFileAtomic } from '../util/fs.js';

export const MAIN_FILE = 'gt-main.cjs';
export const CACHE_FILE = 'gt-main.cache';

/** The bundle's first line: `// gt build <id>`, the id being a hash of the rest. */
const BUILD_LINE = /^\/\/ gt build ([0-9a-f]{16})\n/;
/** A cache file's header: build id, bundle size and mtime, 32 ASCII characters. */
const STAMP_BYTES = 32;
/** Another build's user cache is removed once it has not been written for this long. */
const STALE_MS = 7 * 24 * 3600_000;

export type CacheUse = 'accepted' | 'rejected' | 'none';

export interface LoadedCli {
  main: (argv: string[]) => Promise<number>;
  script: Script;
  /** What a cache for this bundle must begin with; undefined without a build line. */
  stamp: string | undefined;
  cache: CacheUse;
  /** Where the cache offered to V8 came from. */
  source: 'build' | 'user' | 'none';
  /** Saves this process's compiled code as the user's cache, when the one offered did not fit. */
  saveUserCache: () => void;
}

const hex8 = (n: number): string => (n % 2 ** 32).toString(16).padStart(8, '0');

/** The stamp of bundle `file` whose first line names build `buildId`. */
export function bundleStamp(file: string, buildId: string): string {
  const st = statSync(file);
  return `${buildId}${hex8(st.size)}${hex8(Math.floor(st.mtimeMs))}`;
}

/** The V8 data in `bytes` if they were made for the bundle with `stamp`, else undefined. */
function dataFor(bytes: Buffer | undefined, stamp: string): Buffer | undefined {
  if (bytes === undefined || bytes.length <= STAMP_BYTES) return undefined;
  return bytes.toString('latin1', 0, STAMP_BYTES) === stamp
    ? bytes.subarray(STAMP_BYTES)
    : undefined;
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The cache file's bytes for `script`, made from the bundle with `stamp`. */
export function cacheBytes(stamp: string, script: Script): Buffer {
  return Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]);
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

function ownedDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/**
 * Makes the cache folder, but only inside folders of our own: a gt run as root with
 * someone else's HOME must not leave root's folders in their home.
 */
function makeCacheDir(dir: string): boolean {
  const base = dirname(dir);
  try {
    if (!ownedDir(base)) {
      if (!ownedDir(dirname(base))) return false;
      mkdirSync(base, { mode: 0o700 });
    }
    if (!ownedDir(dir)) mkdirSync(dir, { mode: 0o700 });
  } catch {
    return false;
  }
  return private_(dir, 'dir');
}

/**
 * Names what V8 checks a cache against besides the source: Node's version and its flags.
 * Cheap, as it runs on every start; a clash costs only a refused cache, then rewritten.
 */
function runtimeKey(env: NodeJS.ProcessEnv): string {
  const text = [process.version, process.arch, env.NODE_OPTIONS ?? '', ...process.execArgv].join(
    '\0',
  );
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  return hex(fnv1a32(text)) + hex(fnv1a32(`gt\0${text}`));
}

/** Removes other builds' caches and leftover temp files nobody has written for a week. */
function prune(dir: string, buildId: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${buildId}-`) && name.endsWith('.cache')) continue;
    if (!name.endsWith('.cache') && !name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    if (now - lstatSync(path).mtimeMs > STALE_MS) unlinkSync(path);
  }
}

/** Writes the user's cache file, then tidies the folder. */
function writeUserCache(dir: string, file: string, stamp: string, script: Script): void {
  try {
    if (!makeCacheDir(dir)) return;
    writeFileAtomic(file, cacheBytes(stamp, script), 0o600);
    prune(dir, stamp.slice(0, 16));
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
  const stamp = buildId === undefined ? undefined : bundleStamp(file, buildId);
  const enabled = opts.useCache !== false && env.GT_CODE_CACHE !== 'off' && stamp !== undefined;

  let offered: Buffer | undefined;
  let from: LoadedCli['source'] = 'none';
  let userFile: string | undefined;
  const userDir = enabled ? userCacheDir(env) : undefined;
  if (enabled) {
    // The user's own cache exists only where the build's did not fit this Node: try it first.
    if (userDir !== undefined) {
      userFile = join(userDir, `${buildId}-${runtimeKey(env)}.cache`);
      if (private_(userDir, 'dir') && private_(userFile, 'file')) {
        offered = dataFor(readOrUndefined(userFile), stamp);
        if (offered !== undefined) from = 'user';
      }
    }
    if (offered === undefined) {
      offered = dataFor(readOrUndefined(join(dir, CACHE_FILE)), stamp);
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
  // What the bundle is, for gt version and the daemon's lock (src/version.ts).
  (globalThis as { __gtBuildId?: string }).__gtBuildId = buildId;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dir);
  const main = module.exports.main;
  if (typeof main !== 'function') throw new InternalError(`${file} does not export main()`);
  const saveUserCache = (): void => {
    if (cache === 'accepted' || userDir === undefined || userFile === undefined) return;
    if (stamp !== undefined) writeUserCache(userDir, userFile, stamp, script);
  };
  return { main, script, stamp, cache, source: from, saveUserCache };
}
