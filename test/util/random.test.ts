import { describe, expect, it } from 'vitest';
import { fillRandom, randomHex } from '../../src/util/random.js';

describe('random bytes', () => {
  it('fills the whole buffer, differently each time', () => {
    const a = fillRandom(Buffer.alloc(4096));
    const b = fillRandom(Buffer.alloc(4096));
    expect(a.equals(b)).toBe(false);
    // 4096 random bytes hold every byte value with overwhelming likelihood; zeros left
    // by a short read would show as far more than ~16 zero bytes.
    expect(new Set(a).size).toBeGreaterThan(200);
    expect(a.filter((byte) => byte === 0).length).toBeLessThan(64);
  });

  it('gives n bytes as 2n hex digits', () => {
    expect(randomHex(6)).toMatch(/^[0-9a-f]{12}$/);
    const seen = new Set(Array.from({ length: 1000 }, () => randomHex(8)));
    expect(seen.size).toBe(1000);
  });
});
