// Loads the bundled command line (dist/gt-main.cjs) through V8's code cache
// (dist/gt-main.cache), so a start does not pay to compile the whole bundle again.
//
// The build writes the cache after running the commonest commands in a scratch town
// (scripts/build.mjs). Its first bytes are the build id from the bundle's first line: a
// cache from another build is never offered to V8, and V8 itself refuses one made by
// another Node or under other V8 flags. Without a usable cache the bundle compiles as
// it would under require(); nothing but speed depends on the cache.
import { readFileSync } from 'node:fs';
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
}

/** The V8 data of `cacheFile` if it was made for this build, else undefined. */
function cachedDataFor(cacheFile: string, buildId: string | undefined): Buffer | undefined {
  if (buildId === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (bytes.length <= ID_BYTES || bytes.toString('latin1', 0, ID_BYTES) !== buildId)
    return undefined;
  return bytes.subarray(ID_BYTES);
}

/** The cache file's bytes for a script of build `buildId`: the id, then V8's data. */
export function cacheBytes(buildId: string, script: Script): Buffer {
  return Buffer.concat([Buffer.from(buildId, 'latin1'), script.createCachedData()]);
}

/** Compiles and runs the bundle in `dir`; `useCache: false` ignores any cache. */
export function loadCli(dir: string, opts: { useCache?: boolean } = {}): LoadedCli {
  const file = join(dir, MAIN_FILE);
  const source = readFileSync(file, 'utf8');
  const buildId = BUILD_LINE.exec(source)?.[1];
  const cachedData =
    opts.useCache === false ? undefined : cachedDataFor(join(dir, CACHE_FILE), buildId);
  // The wrapper shares the first line with the bundle, so line numbers in stacks hold.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, cachedData },
  );
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
  const cache: CacheUse =
    cachedData === undefined
      ? 'none'
      : script.cachedDataRejected === true
        ? 'rejected'
        : 'accepted';
  return { main, script, buildId, cache };
}
