import { describe, expect, it } from 'vitest';
import { fnv1a128 } from '../../src/util/hash.js';

describe('fnv1a128', () => {
  // The published FNV-1a 128-bit vectors, and a multi-byte UTF-8 case.
  it.each([
    ['', '6c62272e07bb014262b821756295c58d'],
    ['a', 'd228cb696f1a8caf78912b704e4a8964'],
    ['foobar', '343e1662793c64bf6f0d3597ba446f18'],
    ['gté', '6960c45177757277b806e971c2d4adc2'],
  ])('hashes %j to %s', (text, hex) => {
    expect(fnv1a128(text)).toBe(hex);
  });

  it('keeps leading zero digits: always 32 hex digits', () => {
    for (let i = 0; i < 2000; i++) expect(fnv1a128(`town-${i}`)).toMatch(/^[0-9a-f]{32}$/);
  });
});
