// What one check of gt doctor says: a status, one line of why, the fix (a command or what to
// do), and, under --fix, what was repaired.
import { execFile } from 'node:child_process';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable, for scripts: "tmux", "store.integrity", "agent-cli.claude". */
  id: string;
  status: CheckStatus;
  reason: string;
  fix: string | null;
  /** What --fix did about it. */
  fixed: string | null;
}

export const ok = (id: string, reason: string): Check => ({
  id,
  status: 'ok',
  reason,
  fix: null,
  fixed: null,
});

export const warn = (id: string, reason: string, fix: string | null): Check => ({
  id,
  status: 'warn',
  reason,
  fix,
  fixed: null,
});

export const fail = (id: string, reason: string, fix: string | null): Check => ({
  id,
  status: 'fail',
  reason,
  fix,
  fixed: null,
});

/** A problem --fix repaired: an ok that says what it did. */
export const repaired = (c: Check, did: string): Check => ({ ...c, status: 'ok', fixed: did });

const PROBE_TIMEOUT_MS = 10_000;

/** A program's output (stdout), or why it gave none; never throws. */
export function probe(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ out: string; error: string | null }> {
  return new Promise((resolve) => {
    execFile(program, args, { env, timeout: PROBE_TIMEOUT_MS }, (err, out, stderr) => {
      if (err === null) resolve({ out: `${out}`, error: null });
      else resolve({ out: `${out}`, error: `${stderr}`.trim().split('\n')[0] || err.message });
    });
  });
}

/** Major, minor and patch of the first version-looking words of `text`. */
export function versionOf(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Whether version `a` is at least `b`. */
export function atLeast(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
