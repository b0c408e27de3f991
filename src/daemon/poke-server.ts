// The daemon's poke socket: any connection to it is a request for a pass now.
import { promises as fsp, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { errorMessage, GtError } from '../errors.js';
import { withSocketPath } from '../util/socket.js';

/** Holding the host lock, the daemon may replace a socket its dead predecessor left behind. */
export async function listenForPokes(path: string, onPoke: () => void): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    // Read (and drop) what the client sends, or its FIN is never seen and the
    // connection stays half-open, holding up the server's close at shutdown.
    socket.resume();
    socket.end();
    onPoke();
  });
  try {
    await withSocketPath(
      path,
      (bindPath) =>
        new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(bindPath, () => resolve());
        }),
    );
    await fsp.chmod(path, 0o600);
  } catch (err) {
    // A server left listening would keep a daemon that failed to start from ever exiting.
    server.close();
    throw new GtError('GT_DAEMON_SOCKET', `cannot listen on ${path}: ${errorMessage(err)}`);
  }
  return server;
}
