// Running the built `gt` as a user would: a real process, stdout, stderr and exit code.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { onCleanup } from './temp.js';

export const GT_BIN = resolve(import.meta.dirname, '../../dist/gt.cjs');
/** The native gt an agent's session runs first (native/gt.c), built beside the Node one. */
export const NATIVE_GT = resolve(import.meta.dirname, '../../dist/native/gt');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Another gt script to run (an installed one); default the clone's build. */
  bin?: string;
  /** Runs the native gt (as an agent's hooks do) instead of the Node launcher. */
  native?: boolean;
}

/** Runs `gt args…` with a clean GT_* environment plus `opts.env`. */
export function gt(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GT_')) env[k] = v;
  Object.assign(env, opts.env);
  return new Promise((resolvePromise, reject) => {
    const [file, argv] = opts.native
      ? [NATIVE_GT, args]
      : [process.execPath, [opts.bin ?? GT_BIN, ...args]];
    const child = spawn(file, argv, {
      cwd: opts.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    // A gt that exits without reading its input closes the pipe (EPIPE here): its exit code
    // and output say what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export async function gtOk(args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const result = await gt(args, opts);
  if (result.code !== 0) {
    throw new Error(`gt ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

export interface SpawnedGt {
  pid: number;
  result: Promise<RunResult>;
  kill: (signal?: NodeJS.Signals) => void;
}

/**
 * Starts `gt args…` without waiting for it; killed after the test if still running.
 * With `openUmask`, it runs under umask 000, so anything private must be made private on purpose.
 */
export function spawnGt(
  args: readonly string[],
  env: Record<string, string>,
  opts: { openUmask?: boolean } = {},
): SpawnedGt {
  const [file, argv] = opts.openUmask
    ? ['/bin/sh', ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, GT_BIN, ...args]]
    : [process.execPath, [GT_BIN, ...args]];
  const child = spawn(file, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    pid: child.pid ?? 0,
    result: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))),
    kill: (signal) => child.kill(signal),
  };
}
