import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../src/util/fnv.js';

describe('fnv1a32', () => {
  // Published FNV-1a 32-bit test vectors.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['b', 0xe70c2de5],
    ['foobar', 0xbf9cf968],
    ['chongo was here!\n', 0xd49930d5],
  ])('%j → %i', (text, hash) => {
    expect(fnv1a32(text)).toBe(hash);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    // 'é' is two UTF-8 bytes; hashing the code unit 0xe9 would give a different value.
    let expected = 0x811c9dc5;
    for (const byte of [0xc3, 0xa9]) expected = Math.imul(expected ^ byte, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(expected);
  });
});
