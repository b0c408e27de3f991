// Starting the town's daemon in the background (`gt daemon start`, and `gt nudge` / `gt
// handoff` when no daemon runs): through the town's systemd unit where one is installed, else
// a detached `gt daemon run` from a clean environment in the town root, logging to
// daemon/daemon.log. Whoever's daemon ends up holding the lock serves the town: losing the
// race to start one is not a failure.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { daemonEnv } from '../daemon/environment.js';
import { openLog } from '../daemon/logger.js';
import type { HolderInfo } from '../daemon/lock.js';
import { queryHolder, TAKEOVER_TIMEOUT_MS } from '../daemon/lock.js';
import { errorMessage, GtError } from '../errors.js';
import { pollUntil } from '../util/wait.js';
import type { TownContext } from './context.js';
import { installedUnit, startUnit } from './supervisor-unit.js';

export interface DaemonStart {
  pid: number;
  already_running: boolean;
  /** How it was started: by its systemd unit, or as a child of this gt. */
  via?: 'systemd' | 'gt';
}

const START_TIMEOUT_MS = 15_000;

/** Starts the daemon unless one already holds the lock; resolves once one does. */
export async function ensureDaemon(town: TownContext): Promise<DaemonStart> {
  const host = town.settings.daemon.host;
  const running = await queryHolder(town.root, host);
  if (running !== undefined) return { pid: running.pid, already_running: true };
  const unit = installedUnit(town.paths, town.env);
  if (unit !== undefined) {
    const started = await startUnit(unit, town.env);
    const holder = started === true ? await waitForHolder(town, () => false) : undefined;
    if (holder !== undefined) return { pid: holder.pid, already_running: false, via: 'systemd' };
    // No user manager to ask (or it failed): a daemon of our own, which the service takes
    // over from when it comes.
    const why = started === true ? 'its daemon did not come up' : started.message;
    process.stderr.write(`gt: systemctl --user start ${unit.unit}: ${why}; starting one here\n`);
  }
  return spawnDaemon(town, host);
}

/**
 * A daemon for a record already in the store (a nudge, a request): started if none runs. A
 * daemon that cannot be started is said on stderr, never the command's failure: the record
 * waits in the store for the next daemon, and a caller that retried would send it twice.
 */
export async function ensureDaemonFor(
  town: TownContext,
  what: string,
): Promise<DaemonStart | undefined> {
  try {
    return await ensureDaemon(town);
  } catch (err) {
    process.stderr.write(
      `gt: ${what}, but no daemon could be started to act on it: ${errorMessage(err)} (gt daemon start)\n`,
    );
    return undefined;
  }
}

/** `gt daemon run` detached from this process, logging to daemon/daemon.log. */
function spawnRun(town: TownContext, more: readonly string[] = []): ChildProcess {
  const logFd = openLog(town.paths.daemonLog);
  const script = process.argv[1] ?? '';
  const args = [script, 'daemon', 'run', '--quiet', ...more, '--town', town.root];
  const child = spawn(process.execPath, args, {
    detached: true,
    cwd: town.root,
    stdio: ['ignore', logFd, logFd],
    env: daemonEnv(town.env),
  });
  closeSync(logFd);
  child.unref();
  return child;
}

/**
 * `gt daemon restart` of a daemon started without a service manager: a new daemon (this gt) is
 * started first and takes the lock the moment the old one lets it go (it finishes the request
 * in hand, then stops), so there is never a second daemon and the gap is the lock's hand-over.
 */
export async function handOver(town: TownContext, from: HolderInfo): Promise<HolderInfo> {
  const child = spawnRun(town, ['--take-over']);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  let holder: HolderInfo | undefined;
  await pollUntil(
    async () => {
      holder = await queryHolder(town.root, town.settings.daemon.host);
      return holder?.pid === child.pid || exited !== undefined;
    },
    { timeoutMs: TAKEOVER_TIMEOUT_MS, intervalMs: 25, fastStart: true },
  );
  if (holder !== undefined && holder.pid === child.pid) return holder;
  throw new GtError(
    'GT_DAEMON_START_FAILED',
    `the new daemon did not take over from pid ${from.pid}${exited !== undefined ? ` (it exited ${exited})` : ''}: ${lastLogLine(town.paths.daemonLog)}`,
    { hint: 'gt daemon logs shows more; the old daemon keeps the town meanwhile' },
  );
}

async function spawnDaemon(town: TownContext, host: string): Promise<DaemonStart> {
  const child = spawnRun(town);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const holder = await waitForHolder(town, () => exited !== undefined);
  // Our child exited having lost the lock to another daemon started meanwhile: that one serves.
  const winner = holder ?? (exited !== undefined ? await queryHolder(town.root, host) : undefined);
  if (winner !== undefined)
    return { pid: winner.pid, already_running: winner.pid !== child.pid, via: 'gt' };
  throw new GtError(
    'GT_DAEMON_START_FAILED',
    `the daemon did not start${exited !== undefined ? ` (exit ${exited})` : ''}: ${lastLogLine(town.paths.daemonLog)}`,
    { hint: 'gt daemon logs shows more' },
  );
}

/** The lock's holder once there is one; undefined after the timeout or once `gaveUp()`. */
async function waitForHolder(
  town: TownContext,
  gaveUp: () => boolean,
): Promise<HolderInfo | undefined> {
  let holder: HolderInfo | undefined;
  await pollUntil(
    async () => {
      const done = gaveUp();
      holder = await queryHolder(town.root, town.settings.daemon.host);
      return holder !== undefined || done;
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 25, fastStart: true },
  );
  return holder;
}

function lastLogLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return 'no log';
  }
}
