// Waking the daemon: one byte over daemon/daemon.sock. A daemon that is not running
// is not an error: it will see the mail on its next start or heartbeat.
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** The longest path the kernel takes for a unix socket (sun_path: 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Runs `use` with a path the kernel takes for the unix socket at `path`: the path itself, or,
 * for a town deep in the tree, the same file reached through an open handle on its folder
 * (/proc/self/fd/N/name). The handle is closed once `use` settles (bind and connect are done).
 */
export async function withSocketPath<T>(
  path: string,
  use: (socketPath: string) => Promise<T>,
): Promise<T> {
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES || !existsSync('/proc/self/fd'))
    return use(path);
  const fd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return await use(`/proc/self/fd/${fd}/${basename(path)}`);
  } finally {
    closeSync(fd);
  }
}

export function poke(socketPath: string, timeoutMs = 250): Promise<boolean> {
  // No socket file, no daemon listening: spare the caller loading node:net (about 2 ms).
  if (!existsSync(socketPath)) return Promise.resolve(false);
  const { connect } = process.getBuiltinModule('node:net');
  const poke = (path: string): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = connect(path);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      socket.once('connect', () => socket.end('poke\n', () => done(true)));
      socket.once('error', () => done(false));
    });
  return withSocketPath(socketPath, poke).catch(() => false);
}
