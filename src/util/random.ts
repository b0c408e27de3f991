// Random bytes for ids, tokens and temp-file names: the kernel's (/dev/urandom, read with the fs
// module every command has loaded anyway), else node:crypto, whose loading costs a command ~5 ms.
import { closeSync, openSync, readSync } from 'node:fs';

let urandom: number | undefined;

/** Fills `buffer` with cryptographically strong random bytes and returns it. */
export function fillRandom(buffer: Buffer): Buffer {
  try {
    urandom ??= openSync('/dev/urandom', 'r');
    for (let at = 0; at < buffer.length;)
      at += readSync(urandom, buffer, at, buffer.length - at, null);
    return buffer;
  } catch {
    const fd = urandom;
    urandom = undefined;
    if (fd !== undefined) closeQuietly(fd);
    return process.getBuiltinModule('node:crypto').randomFillSync(buffer);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** `n` random bytes as lowercase hex. */
export function randomHex(n: number): string {
  return fillRandom(Buffer.alloc(n)).toString('hex');
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random bytes drawn from a refilled pool: one system call per 4 KiB instead of one per id. */
class RandomPool {
  private readonly pool = Buffer.alloc(4096);
  private at = this.pool.length;

  token(length: number): string {
    if (this.at + length > this.pool.length) {
      fillRandom(this.pool);
      this.at = 0;
    }
    let out = '';
    for (let i = 0; i < length; i++) out += ALPHABET[(this.pool[this.at + i] ?? 0) & 31];
    this.at += length;
    return out;
  }
}

let pool: RandomPool | undefined;

/** `length` random characters of a lower-case base-32 alphabet (safe in paths, shells, URLs). */
export function randomToken(length: number): string {
  pool ??= new RandomPool();
  return pool.token(length);
}

/** The base-32 alphabet of randomToken, for ids that sort by a time part written in it. */
export const TOKEN_ALPHABET = ALPHABET;
