// Waking the daemon: one byte over daemon/daemon.sock. A daemon that is not running
// is not an error: it will see the mail on its next start or heartbeat.
import { connect } from 'node:net';

export function pokeDaemon(socketPath: string, timeoutMs = 250): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.end('poke\n', () => done(true)));
    socket.once('error', () => done(false));
  });
}
