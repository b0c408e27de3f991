// Hashing for the short strings gt hashes (agent tokens, the daemon lock's name, a town's tmux
// socket): node:crypto, loaded on first use by the commands that need it.
import type * as Crypto from 'node:crypto';

function crypto(): typeof Crypto {
  return process.getBuiltinModule('node:crypto');
}

/** The SHA-256 of `text` (UTF-8) as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  return crypto().createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Whether two strings are equal, in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto().timingSafeEqual(x, y);
}
