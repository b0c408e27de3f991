// Starting the town's daemon in the background (`gt daemon start`, and `gt handoff` when no
// daemon runs): a detached `gt daemon run`, logging to daemon/daemon.log, waited for until it
// holds the host lock.
import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { openLog } from '../daemon/logger.js';
import { queryHolder } from '../daemon/lock.js';
import { GtError } from '../errors.js';
import { pollUntil } from '../util/wait.js';
import type { TownContext } from './context.js';

export interface DaemonStart {
  pid: number;
  already_running: boolean;
}

/** Starts the daemon unless one already holds the lock; resolves once it does. */
export async function ensureDaemon(town: TownContext): Promise<DaemonStart> {
  const host = town.settings.daemon.host;
  const running = await queryHolder(town.root, host);
  if (running !== undefined) return { pid: running.pid, already_running: true };
  const logFd = openLog(town.paths.daemonLog);
  const script = process.argv[1] ?? '';
  const child = spawn(process.execPath, [script, 'daemon', 'run', '--quiet', '--town', town.root], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: process.env,
  });
  closeSync(logFd);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const ready = await pollUntil(
    async () => exited !== undefined || (await queryHolder(town.root, host))?.pid === child.pid,
    { timeoutMs: 15_000, intervalMs: 25, fastStart: true },
  );
  if (ready === undefined || exited !== undefined || child.pid === undefined) {
    throw new GtError(
      'GT_DAEMON_START_FAILED',
      `the daemon did not start${exited !== undefined ? ` (exit ${exited})` : ''}: ${lastLogLine(town.paths.daemonLog)}`,
      { hint: 'gt daemon logs shows more' },
    );
  }
  return { pid: child.pid, already_running: false };
}

function lastLogLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return 'no log';
  }
}
