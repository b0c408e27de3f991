import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, sha256, sha256Hex } from '../../src/util/sha256.js';

describe('sha256', () => {
  // FIPS 180-4 examples: one block, two blocks, and the empty message.
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('hashes %j as FIPS 180-4 says', (text, hex) => {
    expect(sha256Hex(text)).toBe(hex);
  });

  it('agrees with node:crypto on every length around the block edges and on random data', () => {
    for (let length = 0; length <= 300; length++) {
      const data = randomBytes(length);
      expect(sha256(data).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    }
    const big = randomBytes(100_000);
    expect(sha256(big).equals(createHash('sha256').update(big).digest())).toBe(true);
    const text = 'gté ☃ 𝄞';
    expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});

describe('constantTimeEqual', () => {
  it('is true only for the same string', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
