// One-time login codes for `gt dashboard --open`: the browser is started with a URL on its
// command line, which every user of the machine can read (ps), so that URL carries a code
// good for one visit within a minute, never the town's key. A code is a file (mode 0600) in
// the town's .gt/ folder, so a dashboard served by the daemon honours codes `gt dashboard`
// made in another process.
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { townPaths } from '../town/layout.js';
import { writeFileAtomic } from '../util/fs.js';

export const LOGIN_TTL_MS = 60_000;
const CODE_RE = /^[A-Za-z0-9_-]{32}$/;

function codeFile(root: string, code: string): string {
  return join(townPaths(root).storeDir, `dashboard-login-${code}`);
}

/** A fresh code, good for one visit within LOGIN_TTL_MS. */
export function mintLogin(root: string): string {
  const code = randomBytes(24).toString('base64url');
  mkdirSync(townPaths(root).storeDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(codeFile(root, code), '', 0o600);
  return code;
}

/** Whether `code` is a live code of this town; a code is used up by asking. */
export function useLogin(root: string, code: string, now = Date.now()): boolean {
  if (!CODE_RE.test(code)) return false;
  const file = codeFile(root, code);
  try {
    const made = statSync(file).mtimeMs;
    unlinkSync(file); // used up (or stale) either way; of two visits only one unlinks it
    return now - made < LOGIN_TTL_MS;
  } catch {
    return false;
  }
}
