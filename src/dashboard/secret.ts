// The dashboard's per-town secret: made on first use in the town's .gt/ folder (mode 0600,
// so other local users cannot read it), shown once in the URL `gt dashboard` prints, and
// compared in constant time on every action.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GtError } from '../errors.js';
import { townPaths } from '../town/layout.js';
import { writeFileAtomic } from '../util/fs.js';
import { randomHex } from '../util/random.js';

const SECRET_RE = /^[A-Za-z0-9_-]{32,128}$/;

export function secretFile(root: string): string {
  return join(townPaths(root).storeDir, 'dashboard.secret');
}

function readSecret(file: string): string {
  const mode = statSync(file).mode & 0o777;
  // Someone made it readable by others: it can no longer be trusted to be ours alone.
  if ((mode & 0o077) !== 0)
    throw new GtError(
      'GT_DASHBOARD_SECRET',
      `${file} is readable by other users (mode ${mode.toString(8)})`,
      { hint: `remove it; gt dashboard makes a new one with mode 600` },
    );
  const text = readFileSync(file, 'utf8').trim();
  if (!SECRET_RE.test(text))
    throw new GtError('GT_DASHBOARD_SECRET', `${file} does not hold a dashboard secret`, {
      hint: 'remove it; gt dashboard makes a new one',
    });
  return text;
}

/** The town's dashboard secret, made (atomically, mode 0600) if there is none yet. */
export function loadSecret(root: string): string {
  const file = secretFile(root);
  try {
    return readSecret(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(townPaths(root).storeDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomHex(6)}.tmp`;
  writeFileAtomic(tmp, `${randomBytes(32).toString('base64url')}\n`, 0o600);
  chmodSync(tmp, 0o600); // whatever the umask
  try {
    // link, not rename: of two processes making it at once, the first one's stands.
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readSecret(file);
}

/** Whether `given` is the secret, in time that does not depend on where they differ. */
export function secretMatches(secret: string, given: string | undefined): boolean {
  if (given === undefined || given.length === 0 || given.length > 256) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(secret), digest(given));
}

/**
 * What the cookie carries: derived from the key, never the key itself (a browser sends a
 * localhost cookie to every port of the host, other servers' too), and taken only as a cookie.
 */
export function cookieToken(secret: string): string {
  return createHmac('sha256', secret).update('gt dashboard cookie').digest('base64url');
}

/** Whether a request presents the key: itself in a header, or the cookie made from it. */
export function keyPresented(
  secret: string,
  presented: { value: string; by: 'header' | 'cookie' } | undefined,
): boolean {
  if (presented === undefined) return false;
  return secretMatches(presented.by === 'cookie' ? cookieToken(secret) : secret, presented.value);
}
