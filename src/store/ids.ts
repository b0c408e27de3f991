// Message and request ids: short, random, safe in paths, shells and URLs.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

export function newMessageId(): string {
  return `gm-${randomToken(12)}`;
}

export function newRequestId(): string {
  return `rq-${randomToken(12)}`;
}

const ID_RE = /^g[m]-[0-9a-z]{4,32}$/;

export function isMessageId(text: string): boolean {
  return ID_RE.test(text);
}
