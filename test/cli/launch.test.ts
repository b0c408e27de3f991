// dist/gt.cjs starts the bundle through the code cache the build made; any cache that
// does not fit this build must be passed over without changing what gt does.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { bundleStamp } from '../../src/cli/launch.js';
import { writeFileAtomic } from '../../src/util/fs.js';
import { GT_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const DIST = dirname(GT_BIN);
let userCache = '';
beforeEach(() => {
  userCache = tempDir('xdg-cache');
});
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

interface Run {
  code: number | null;
  stdout: string;
  /** What the launcher said of the cache: "accepted (build)", "rejected (user)", … */
  cache: string;
}

/** `gt --version` from `dir`, reporting which cache it used. */
function version(dir: string, env: NodeJS.ProcessEnv = {}): Run {
  const result = spawnSync(process.execPath, [join(dir, 'gt.cjs'), '--version'], {
    env: { ...process.env, XDG_CACHE_HOME: userCache, GT_DEBUG_CODE_CACHE: '1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const cache =
    /^gt: code cache (\w+ \(\w+\))$/m.exec(result.stderr)?.[1] ?? `(stderr: ${result.stderr})`;
  return { code: result.status, stdout: result.stdout.trim(), cache };
}

/**
 * A copy of the built gt in a temp folder, to spoil without touching dist/. Its cache is
 * stamped for the copied bundle, as a build made in that folder would be.
 */
function copyOfDist(): string {
  const dir = tempDir('dist');
  for (const file of ['gt.cjs', 'gt-main.cjs', 'gt-main.cache'])
    copyFileSync(join(DIST, file), join(dir, file));
  const cache = readFileSync(join(dir, 'gt-main.cache'));
  const buildId = cache.toString('latin1', 0, 16);
  cache.write(bundleStamp(join(dir, 'gt-main.cjs'), buildId), 0, 'latin1');
  writeFileSync(join(dir, 'gt-main.cache'), cache);
  return dir;
}

describe('the code cache of gt', () => {
  it('the build made one, and this Node takes it', () => {
    expect(version(DIST)).toEqual({ code: 0, stdout: VERSION, cache: 'accepted (build)' });
  });

  it('a cache made for another build is not offered to V8', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    cache.write('0123456789abcdef', 0, 'latin1');
    writeFileSync(join(dir, 'gt-main.cache'), cache);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none (none)' });
  });

  it('a cache of the right build holding garbage is refused by V8, and gt runs', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    cache.fill(0x5a, 32);
    writeFileSync(join(dir, 'gt-main.cache'), cache);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'rejected (build)' });
  });

  it('a truncated or missing cache is passed over, and the user cache saved then takes its place', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    writeFileSync(join(dir, 'gt-main.cache'), cache.subarray(0, 32));
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none (none)' });
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'accepted (user)' });
    rmSync(join(dir, 'gt-main.cache'));
    expect(version(dir, { GT_CODE_CACHE: 'off' }).cache).toBe('none (none)');
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'accepted (user)' });
  });

  it('a bundle changed after the build (no build line) never uses the cache', () => {
    const dir = copyOfDist();
    const main = readFileSync(join(dir, 'gt-main.cjs'), 'utf8');
    writeFileSync(join(dir, 'gt-main.cjs'), `// edited by hand\n${main.replace(/^.*\n/, '')}`);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none (none)' });
  });

  it('without its bundle, gt says so in one line and exits 1', () => {
    const dir = tempDir('dist');
    copyFileSync(join(DIST, 'gt.cjs'), join(dir, 'gt.cjs'));
    const result = spawnSync(process.execPath, [join(dir, 'gt.cjs'), '--version'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^gt: cannot load gt-main\.cjs from .*: ENOENT.*\ngt: hint: rebuild gt/,
    );
  });
});

describe("the user's own code cache, for a Node the build's cache does not fit", () => {
  const FLAGS = { NODE_OPTIONS: '--max-old-space-size=4096' }; // enough for V8 to refuse
  const folder = (): string => join(userCache, 'gastown-ts');
  const files = (): string[] => (existsSync(folder()) ? readdirSync(folder()).sort() : []);

  it('is saved privately after the first start, used by the next, and left alone without flags', () => {
    expect(version(DIST, FLAGS)).toEqual({ code: 0, stdout: VERSION, cache: 'rejected (build)' });
    expect(files()).toHaveLength(1);
    expect(statSync(folder()).mode & 0o777).toBe(0o700);
    expect(statSync(join(folder(), files()[0] ?? '')).mode & 0o777).toBe(0o600);
    expect(version(DIST, FLAGS).cache).toBe('accepted (user)');
    expect(version(DIST).cache).toBe('accepted (build)');
    expect(files()).toHaveLength(1);
  });

  it('a spoiled user cache is refused by V8 and replaced', () => {
    version(DIST, FLAGS);
    const file = join(folder(), files()[0] ?? '');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.fill(0x5a, 32));
    expect(version(DIST, FLAGS).cache).toBe('rejected (user)');
    expect(version(DIST, FLAGS).cache).toBe('accepted (user)');
  });

  it('is neither read nor written where others could write', () => {
    version(DIST, FLAGS);
    const file = join(folder(), files()[0] ?? '');
    chmodSync(file, 0o666);
    expect(version(DIST, FLAGS).cache).toBe('rejected (build)');
    chmodSync(file, 0o600);
    chmodSync(folder(), 0o777);
    const before = statSync(file).mtimeMs;
    expect(version(DIST, FLAGS).cache).toBe('rejected (build)');
    expect(statSync(file).mtimeMs).toBe(before);
    chmodSync(folder(), 0o700);
  });

  it("removes other builds' caches and stray temp files once a week old, and nothing newer", () => {
    mkdirSync(folder(), { recursive: true, mode: 0o700 });
    const old = join(folder(), '0000000000000000-1111111111111111.cache');
    const stray = join(folder(), 'x.cache.123.tmp');
    const recent = join(folder(), '2222222222222222-1111111111111111.cache');
    for (const file of [old, stray, recent]) writeFileSync(file, 'other', { mode: 0o600 });
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    utimesSync(old, weekAgo, weekAgo);
    utimesSync(stray, weekAgo, weekAgo);
    version(DIST, FLAGS);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(files()).toHaveLength(2);
  });

  it('is not made where a folder on the way belongs to someone else (gt run as root with their HOME)', () => {
    // As root, a home made someone else's; otherwise / is someone else's already.
    const home = process.getuid?.() === 0 ? tempDir('home') : '/';
    if (home !== '/') chownSync(home, 65534, 65534);
    const before = existsSync(join(home, '.cache'));
    const run = version(DIST, { ...FLAGS, XDG_CACHE_HOME: '', HOME: home });
    expect(run).toEqual({ code: 0, stdout: VERSION, cache: 'rejected (build)' });
    expect(existsSync(join(home, '.cache'))).toBe(before);
  });

  it('a bundle edited after the build, even to the same length, never gets its cache', () => {
    const dir = copyOfDist();
    const main = readFileSync(join(dir, 'gt-main.cjs'), 'utf8');
    const edited = main.replace(`"${VERSION}"`, `"${VERSION.replace(/\d$/, '9')}"`);
    expect(edited.length).toBe(main.length);
    writeFileSync(join(dir, 'gt-main.cjs'), edited);
    const run = version(dir);
    expect(run.stdout).toBe(VERSION.replace(/\d$/, '9'));
    expect(run.cache).toBe('none (none)');
  });

  it('a cache file is written whole or not at all: a failed rename leaves no temp file', () => {
    const dir = tempDir('whole');
    mkdirSync(join(dir, 'target', 'inside'), { recursive: true }); // rename onto a full folder fails
    expect(() => writeFileAtomic(join(dir, 'target'), Buffer.from('data'), 0o600)).toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
  });

  it('GT_CODE_CACHE=off uses no cache and saves none', () => {
    expect(version(DIST, { ...FLAGS, GT_CODE_CACHE: 'off' }).cache).toBe('none (none)');
    expect(version(DIST, { GT_CODE_CACHE: 'off' }).cache).toBe('none (none)');
    expect(existsSync(folder())).toBe(false);
  });
});
