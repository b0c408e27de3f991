// daemon.log stays small: rotated past its size cap into a few numbered files, oldest dropped,
// no line ever split, every file private.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLogger, rotateLog } from '../../src/daemon/logger.js';
import { tempDir } from '../helpers/temp.js';

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('daemon.log rotation', () => {
  it('rotates past maxBytes, keeps `keep` files, never splits a line', () => {
    const file = join(tempDir('log'), 'daemon.log');
    const log = fileLogger({ file, maxBytes: 2000, keep: 2, now: () => 0 });
    for (let i = 0; i < 200; i++) log.log('info', `entry ${i}`, { pad: 'x'.repeat(40) });
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) {
      expect(statSync(f).size).toBeLessThanOrEqual(2000);
      expect(statSync(f).mode & 0o777).toBe(0o600);
      for (const line of lines(f)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    // newest last: daemon.log ends with the last entry, .1 holds the ones just before
    const msgs = (f: string): number[] =>
      lines(f).map((l) => Number((JSON.parse(l) as { msg: string }).msg.split(' ')[1]));
    expect(msgs(file).at(-1)).toBe(199);
    expect(msgs(`${file}.1`).at(-1)).toBe((msgs(file)[0] ?? 0) - 1);
  });

  it('rotateLog shifts the files, and says when there is nothing to rotate', () => {
    const file = join(tempDir('log'), 'daemon.log');
    expect(rotateLog(file, 3)).toBe(false);
    writeFileSync(file, 'first\n');
    expect(rotateLog(file, 3)).toBe(true);
    writeFileSync(file, 'second\n');
    expect(rotateLog(file, 3)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('second\n');
    expect(readFileSync(`${file}.2`, 'utf8')).toBe('first\n');
  });
});
