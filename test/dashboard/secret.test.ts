// The town's dashboard key: made once with mode 0600 whatever the umask, the same on every
// later use, refused once others can read it, and compared without regard to where it differs.
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecret, secretFile, secretMatches } from '../../src/dashboard/secret.js';
import { tempDir } from '../helpers/temp.js';

describe('dashboard secret', () => {
  it('is made once, private, and the same on every later load', () => {
    const root = tempDir('secret');
    const old = process.umask(0);
    try {
      const first = loadSecret(root);
      expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statSync(secretFile(root)).mode & 0o777).toBe(0o600);
      expect(loadSecret(root)).toBe(first);
    } finally {
      process.umask(old);
    }
  });

  it('is refused when others can read it, or when it holds no key', () => {
    const root = tempDir('secret');
    loadSecret(root);
    chmodSync(secretFile(root), 0o644);
    expect(() => loadSecret(root)).toThrow(/readable by other users/);
    const other = tempDir('secret');
    mkdirSync(join(other, '.gt'));
    writeFileSync(secretFile(other), 'short\n', { mode: 0o600 });
    expect(() => loadSecret(other)).toThrow(/does not hold a dashboard secret/);
  });

  it('matches only the whole key', () => {
    const key = 'k'.repeat(43);
    expect(secretMatches(key, key)).toBe(true);
    for (const given of [undefined, '', 'k'.repeat(42), `${key}k`, 'x'.repeat(43), 'k'.repeat(300)])
      expect(secretMatches(key, given)).toBe(false);
  });
});
