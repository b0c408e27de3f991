// dist/gt.cjs starts the bundle through the code cache the build made; any cache that
// does not fit this build must be passed over without changing what gt does.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GT_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const DIST = dirname(GT_BIN);
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** `gt --version` from `dir`, reporting which cache it used. */
function version(dir: string): { code: number | null; stdout: string; cache: string } {
  const result = spawnSync(process.execPath, [join(dir, 'gt.cjs'), '--version'], {
    env: { ...process.env, GT_DEBUG_CODE_CACHE: '1' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const cache = /^gt: code cache (\w+)$/m.exec(result.stderr)?.[1] ?? `(stderr: ${result.stderr})`;
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
    expect(version(DIST)).toEqual({ code: 0, stdout: VERSION, cache: 'accepted' });
  });

  it('a cache made for another build is not offered to V8', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    cache.write('0123456789abcdef', 0, 'latin1');
    writeFileSync(join(dir, 'gt-main.cache'), cache);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none' });
  });

  it('a cache of the right build holding garbage is refused by V8, and gt runs', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    cache.fill(0x5a, 16);
    writeFileSync(join(dir, 'gt-main.cache'), cache);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'rejected' });
  });

  it('a truncated or missing cache is passed over', () => {
    const dir = copyOfDist();
    const cache = readFileSync(join(dir, 'gt-main.cache'));
    writeFileSync(join(dir, 'gt-main.cache'), cache.subarray(0, 16));
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none' });
    rmSync(join(dir, 'gt-main.cache'));
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none' });
  });

  it('a bundle changed after the build (no build line) never uses the cache', () => {
    const dir = copyOfDist();
    const main = readFileSync(join(dir, 'gt-main.cjs'), 'utf8');
    writeFileSync(join(dir, 'gt-main.cjs'), `// edited by hand\n${main.replace(/^.*\n/, '')}`);
    expect(version(dir)).toEqual({ code: 0, stdout: VERSION, cache: 'none' });
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
