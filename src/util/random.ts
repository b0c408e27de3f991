// Random bytes for ids, tokens and temp-file names, without loading node:crypto.
//
// node:crypto costs about 2 ms of every start that loads it; most commands want only a
// few random bytes, which the kernel hands out from /dev/urandom (the same source
// crypto.randomBytes draws on). Where /dev/urandom cannot be opened, node:crypto serves.
import type * as Crypto from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** node:crypto, loaded on first use: only the fallback below needs it. */
export function nodeCrypto(): typeof Crypto {
  return process.getBuiltinModule('node:crypto');
}

/** Fills `buffer` with cryptographically strong random bytes and returns it. */
export function fillRandom(buffer: Buffer): Buffer {
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    return nodeCrypto().randomFillSync(buffer);
  }
  try {
    for (let at = 0; at < buffer.length;) {
      const got = readSync(fd, buffer, at, buffer.length - at, null);
      if (got <= 0) return nodeCrypto().randomFillSync(buffer);
      at += got;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}

/** `n` random bytes as lowercase hex. */
export function randomHex(n: number): string {
  return fillRandom(Buffer.alloc(n)).toString('hex');
}
