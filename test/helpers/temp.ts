// Temp dirs, private tmux sockets and condition waits for tests. Everything made here
// is removed after each test; the global teardown fails the run if anything leaked.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach } from 'vitest';

import { tempPrefix, tmuxProcesses, tmuxSocketDir } from './names.js';

export { tempPrefix, tmuxSocketDir };

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
});

const suiteCleanups: Array<() => void> = [];

afterAll(() => {
  while (suiteCleanups.length > 0) suiteCleanups.pop()?.();
});

/** A temp dir for a whole test file (made in beforeAll), removed after its last test. */
export function suiteDir(label = 'suite'): string {
  const dir = mkdtempSync(join(tmpdir(), `${tempPrefix()}${label}-`));
  suiteCleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A private tmux socket for a whole test file; its server is killed after its last test. */
export function suiteSocket(): string {
  const socket = `${tempPrefix()}${randomBytes(4).toString('hex')}`;
  suiteCleanups.push(() => killTmuxServer(socket));
  return socket;
}

/** Registers `fn` to run (and be awaited) after the current test, last registered first. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/** A fresh temp dir, removed after the test. */
export function tempDir(label = 'dir'): string {
  const dir = mkdtempSync(join(tmpdir(), `${tempPrefix()}${label}-`));
  onCleanup(() => removeDir(dir));
  return dir;
}

/**
 * Removes `dir` and all in it. An agent's process may still write its last file for a moment
 * after its tmux server was killed (the cleanup before this one), after the files beside it were
 * removed: the whole removal is tried again then, for up to 15 s, and what remains is named.
 */
async function removeDir(dir: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${String(err)}; left: ${leftIn(dir)}`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function leftIn(dir: string): string {
  try {
    return readdirSync(dir, { recursive: true }).join(', ');
  } catch {
    return '?';
  }
}

/** A private tmux socket name for this test; its server is killed after the test. */
export function tmuxSocket(): string {
  const socket = `${tempPrefix()}${randomBytes(4).toString('hex')}`;
  onCleanup(() => killTmuxServer(socket));
  return socket;
}

export function killTmuxServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // no server was running on this socket
  }
  // A server started on the socket as the test ended (a daemon's keep-alive, say) would outlive
  // the socket file removed below, unseen: every tmux process on the socket is ended by its pid.
  for (const pid of tmuxProcesses((s) => s === socket)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  // tmux leaves <socket>.lock behind when a client starting the server is killed meanwhile.
  for (const file of [socket, `${socket}.lock`]) {
    try {
      rmSync(join(tmuxSocketDir(), file), { force: true });
    } catch {
      // already gone
    }
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
