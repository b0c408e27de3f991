// Fault injection for the reliability suites: requests queued without waking the daemon, a
// store held locked by another process, and file systems that are read-only or full.
import { execFileSync, spawn } from 'node:child_process';
import type { RunResult } from '../helpers/cli.js';
import { GT_BIN } from '../helpers/cli.js';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setRequesting } from '../../src/state/agent-state.js';
import type { LifecycleAction } from '../../src/protocol/request.js';
import { newRequestId } from '../../src/protocol/request.js';
import { outcomeText } from '../../src/mail/mail.js';
import { parseIdentity } from '../../src/town/identity.js';
import { onCleanup, waitFor } from '../helpers/temp.js';
import type { DaemonProcess, TestTown } from '../helpers/town.js';
import { storePath, withStore } from './helpers.js';

/** What `gt handoff` does, minus the poke: the daemon finds it only when something wakes it. */
export async function queueRequest(
  town: TestTown,
  address: string,
  action: LifecycleAction = 'cycle',
): Promise<string> {
  const requestId = newRequestId();
  await setRequesting(town.root, parseIdentity(address), action, requestId, new Date());
  const msg = await withStore(town, (store) =>
    store.sendMessage({
      from: address,
      to: 'deacon',
      subject: `LIFECYCLE: ${address} requesting ${action}`,
      body: JSON.stringify({ action, request_id: requestId }),
      priority: 'high',
      type: 'lifecycle',
      senderVerified: true,
    }),
  );
  return msg.id;
}

/** SIGUSR1: the daemon makes a pass now. */
export function wake(daemon: DaemonProcess): void {
  daemon.child.kill('SIGUSR1');
}

export async function messageStatus(
  town: TestTown,
  id: string,
): Promise<{ status: string; outcome: string | null; error: string | null; attempts: number }> {
  const msg = await withStore(town, (s) => s.getMessage(id));
  if (msg === undefined) throw new Error(`message ${id} is gone`);
  // How it ended, as gt mail read shows it: the word, then why.
  const outcome = msg.outcome === null ? null : outcomeText(msg.outcome, msg.outcomeReason);
  return { status: msg.status, outcome, error: msg.lastError, attempts: msg.attempts };
}

export interface StoreLock {
  pid: number;
  release(): Promise<void>;
}

/** Another process (the sqlite3 shell) holding the store's write lock: BEGIN IMMEDIATE. */
export async function lockStore(town: TestTown): Promise<StoreLock> {
  const child = spawn('sqlite3', [storePath(town)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.stdin.write('.timeout 5000\nBEGIN IMMEDIATE;\n.print holding-the-lock\n');
  await waitFor('sqlite3 to hold the write lock', () => {
    if (child.exitCode !== null) throw new Error(`sqlite3 exited: ${out}`);
    return out.includes('holding-the-lock');
  });
  return {
    pid: child.pid ?? 0,
    release: async () => {
      child.stdin.end('ROLLBACK;\n.quit\n');
      await exited;
    },
  };
}

/** Mounts a tmpfs of `size` (like "4m") on `dir`, unmounted after the test. */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  onCleanup(() => unmount(dir));
}

/** Makes `dir` a read-only view of itself (a read-only bind mount); `undo` puts it back. */
export function bindReadOnly(dir: string): { undo(): void } {
  execFileSync('mount', ['--bind', dir, dir]);
  let mounted = true;
  const undo = (): void => {
    if (!mounted) return;
    mounted = false;
    unmount(dir);
  };
  onCleanup(undo);
  execFileSync('mount', ['-o', 'remount,bind,ro', dir, dir]);
  return { undo };
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}

/** Fills the file system holding `dir` to the last byte; returns the filler to remove. */
export function fillDisk(dir: string): string {
  const filler = join(dir, 'filler.bin');
  const fd = openSync(filler, 'w');
  try {
    for (let chunk = 1 << 20; chunk >= 1;) {
      try {
        writeSync(fd, Buffer.alloc(chunk, 0x5a));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        chunk = Math.floor(chunk / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

export function freeDisk(filler: string): void {
  rmSync(filler, { force: true });
}

/** RLIMIT_FSIZE=0 on a running process: no write may make a file grow. */
export function limitFileSize(pid: number): number {
  execFileSync('prlimit', ['--pid', String(pid), '--fsize=0:unlimited']);
  return pid;
}

export function unlimitFileSize(pid: number): void {
  execFileSync('prlimit', ['--pid', String(pid), '--fsize=unlimited:unlimited']);
}

/** gt under RLIMIT_FSIZE=0, output through pipes (a file would hit the limit too). */
export function gtWithoutSpace(
  town: TestTown,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const clean: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GT_')) clean[k] = v;
  const child = spawn(
    '/bin/sh',
    ['-c', 'ulimit -f 0 && exec "$@"', 'sh', process.execPath, GT_BIN, ...args],
    { env: { ...clean, ...town.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
