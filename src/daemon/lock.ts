// One daemon per town and host. The lock is a Linux abstract unix socket named after the
// town: binding it is atomic, and the kernel releases it the instant its holder dies
// (even by SIGKILL), so a daemon that holds it knows every predecessor here is dead.
// Connecting to it asks the holder who it is. A supervised daemon (run by a service manager)
// takes the town over from an unsupervised one: it asks the holder to stop (SIGTERM: the
// request in hand is finished first) and takes the lock the moment it is let go.
import { realpathSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { GtError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { sleep } from '../util/wait.js';

export interface HolderInfo {
  pid: number;
  town: string;
  startedAt: number;
  /** Run by a service manager (gt daemon enable-supervisor); absent from older daemons. */
  supervised?: boolean;
  /** Its gt's version and build (src/version.ts); absent from older daemons. */
  version?: string;
  build?: string;
}

export class DaemonRunningError extends GtError {
  readonly holder: HolderInfo | undefined;
  constructor(town: string, holder: HolderInfo | undefined) {
    const who = holder ? ` (pid ${holder.pid})` : '';
    super('GT_DAEMON_RUNNING', `a daemon is already running for ${town} on this host${who}`, {
      hint: 'gt daemon status shows it; gt daemon stop stops it',
    });
    this.holder = holder;
  }
}

/** The lock's abstract socket name for a town root and host. */
export function lockName(townRoot: string, host: string): string {
  let real = townRoot;
  try {
    real = realpathSync(townRoot);
  } catch {
    // a town that vanished still gets a stable name from its given path
  }
  const digest = sha256Hex(`${host}\0${real}`).slice(0, 32);
  return `\0gastown-daemon-${digest}`;
}

export interface DaemonLock {
  readonly info: HolderInfo;
  release(): Promise<void>;
}

export function acquireLock(townRoot: string, host: string, info: HolderInfo): Promise<DaemonLock> {
  const name = lockName(townRoot, host);
  const server: Server = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    socket.resume();
    socket.end(`${JSON.stringify(info)}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') {
        reject(new GtError('GT_DAEMON_LOCK', `cannot take the daemon lock: ${err.message}`));
        return;
      }
      void queryHolder(townRoot, host).then((holder) =>
        reject(new DaemonRunningError(townRoot, holder)),
      );
    });
    server.listen(name, () => {
      server.unref();
      resolve({
        info,
        // Ref'd again while closing: an unref'd handle's close callback may never run if
        // nothing else keeps the event loop alive, and the caller's await would hang up.
        release: () =>
          new Promise<void>((done) => {
            server.ref();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The running daemon's own account of itself, or undefined when none holds the lock. */
export function queryHolder(
  townRoot: string,
  host: string,
  timeoutMs = 1000,
): Promise<HolderInfo | undefined> {
  return new Promise((resolve) => {
    const socket = connect(lockName(townRoot, host));
    let data = '';
    const finish = (value: HolderInfo | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => {
      try {
        finish(JSON.parse(data) as HolderInfo);
      } catch {
        finish(undefined);
      }
    });
    socket.on('error', () => finish(undefined));
  });
}

/** How long a supervised daemon waits for an unsupervised one to finish and let go. */
export const TAKEOVER_TIMEOUT_MS = 180_000;
const TAKEOVER_POLL_MS = 50;

/**
 * The lock for a supervised daemon: taken at once if free; held by an unsupervised daemon,
 * that one is asked to stop and the lock taken when it lets go. Another supervised holder
 * keeps it (DaemonRunningError).
 */
export async function takeOverLock(
  townRoot: string,
  host: string,
  info: HolderInfo,
  onAsk: (holder: HolderInfo) => void,
  timeoutMs = TAKEOVER_TIMEOUT_MS,
): Promise<DaemonLock> {
  const deadline = Date.now() + timeoutMs;
  const asked = new Set<number>();
  for (;;) {
    try {
      return await acquireLock(townRoot, host, info);
    } catch (err) {
      if (!(err instanceof DaemonRunningError) || err.holder?.supervised === true) throw err;
      const holder = err.holder;
      if (holder !== undefined && !asked.has(holder.pid)) {
        asked.add(holder.pid);
        onAsk(holder);
        askToStop(holder.pid);
      }
      if (Date.now() >= deadline)
        throw new GtError(
          'GT_DAEMON_TAKEOVER',
          `the daemon running for ${townRoot} (pid ${holder?.pid ?? '?'}) did not hand over within ${Math.round(timeoutMs / 1000)} s`,
          { hint: 'gt daemon stop, then start the service again' },
        );
      await sleep(TAKEOVER_POLL_MS);
    }
  }
}

function askToStop(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone already (the next try takes the lock), or not ours to signal (it keeps it)
  }
}
