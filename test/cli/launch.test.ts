// dist/gt.cjs starts the bundle through the code cache the build made; any cache that
// does not fit this build must be passed over without changing what gt does.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
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

/** A copy of the built gt in a temp folder, to spoil its cache without touching dist/. */
function copyOfDist(): string {
  const dir = tempDir('dist');
  for (const file of ['gt.cjs', 'gt-main.cjs', 'gt-main.cache'])
    copyFileSync(join(DIST, file), join(dir, file));
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
    cache.fill(0x5a, 16);
    writeFileSync(join(dir, 'gt-main.cache'), cache);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'rejected (build)' });
  });

  it('a truncated or missing cache is passed over, and the user cache saved then takes its place', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    writeFileSync(join(dir, 'gt-main.cache'), cache.subarray(0, 16));
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
    writeFileSync(file, bytes.fill(0x5a, 16));
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

  it('a new build removes the caches older builds saved', () => {
    mkdirSync(folder(), { recursive: true, mode: 0o700 });
    writeFileSync(join(folder(), '0000000000000000-1111111111111111.cache'), 'old', {
      mode: 0o600,
    });
    version(DIST, FLAGS);
    expect(files()).toHaveLength(1);
    expect(files()[0]).not.toMatch(/^0000000000000000-/);
  });

  it('GT_CODE_CACHE=off uses no cache and saves none', () => {
    expect(version(DIST, { ...FLAGS, GT_CODE_CACHE: 'off' }).cache).toBe('none (none)');
    expect(version(DIST, { GT_CODE_CACHE: 'off' }).cache).toBe('none (none)');
    expect(existsSync(folder())).toBe(false);
  });
});
