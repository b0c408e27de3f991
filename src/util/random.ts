// Random bytes for ids, tokens and temp-file names, from node:crypto (loaded on first use).

/** Fills `buffer` with cryptographically strong random bytes and returns it. */
export function fillRandom(buffer: Buffer): Buffer {
  return process.getBuiltinModule('node:crypto').randomFillSync(buffer);
}

/** `n` random bytes as lowercase hex. */
export function randomHex(n: number): string {
  return fillRandom(Buffer.alloc(n)).toString('hex');
}
