// Which gt an agent's session finds first on its PATH: the native one only when it runs here.
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gtDir, locateGt, pathWithGt } from '../../src/agents/gt-command.js';
import { tempDir } from '../helpers/temp.js';

const DIST = resolve(import.meta.dirname, '../../dist');

/** A gt folder like dist/ whose native gt is `native` (a file's text), or none. */
function fakeDist(native?: { text: string; mode: number }): string {
  const dir = tempDir('gt-dist');
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(DIST, 'gt.cjs'), join(dir, 'gt.cjs'));
  writeFileSync(join(dir, 'bin', 'gt'), '#!/usr/bin/env node\n', { mode: 0o755 });
  if (native !== undefined) {
    mkdirSync(join(dir, 'native'));
    writeFileSync(join(dir, 'native', 'gt'), native.text);
    chmodSync(join(dir, 'native', 'gt'), native.mode);
  }
  return dir;
}

describe('the gt on an agent’s PATH', () => {
  const saved = process.env.GT_NATIVE;
  afterEach(() => {
    if (saved === undefined) delete process.env.GT_NATIVE;
    else process.env.GT_NATIVE = saved;
  });

  it('is the native gt built here, which answers the probe', () => {
    const gt = locateGt(join(DIST, 'gt-main.cjs'));
    expect(gt).toBeDefined();
    if (gt === undefined) return;
    expect(gtDir(gt)).toBe(join(DIST, 'native'));
    expect(pathWithGt(gt, '/usr/bin')).toBe(`${join(DIST, 'native')}:/usr/bin`);
    process.env.GT_NATIVE = 'off';
    expect(gtDir(gt)).toBe(join(DIST, 'bin'));
  });

  it('is the Node gt when the native one is missing, cannot run, or answers otherwise', () => {
    const cases = [
      undefined,
      { text: 'ELF? no: not a program', mode: 0o755 },
      { text: '#!/bin/sh\necho gt native 2\n', mode: 0o755 },
      { text: '#!/bin/sh\necho gt native 1\n', mode: 0o644 },
    ];
    for (const native of cases) {
      const dir = fakeDist(native);
      const gt = locateGt(join(dir, 'gt.cjs'));
      expect(gt?.binDir).toBe(join(dir, 'bin'));
      if (gt !== undefined) expect(gtDir(gt), JSON.stringify(native)).toBe(join(dir, 'bin'));
    }
  });
});
