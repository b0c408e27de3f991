// FNV-1a, 128 bits: a stable name for a string where node:crypto would cost a start
// about 2 ms to load. Not for secrets: it is fast to invert and to collide on purpose.

const OFFSET_128 = 0x6c62272e07bb014262b821756295c58dn;
const PRIME_128 = 0x0000000001000000000000000000013bn;
const MASK_128 = (1n << 128n) - 1n;

/** FNV-1a, 128 bits, over the UTF-8 bytes of `text`, as 32 hex digits. */
export function fnv1a128(text: string): string {
  let hash = OFFSET_128;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * PRIME_128) & MASK_128;
  }
  return hash.toString(16).padStart(32, '0');
}
