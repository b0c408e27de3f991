// The daemon's socket. A connection that sends a line of JSON is a request (a hook's work, a
// nudge to queue) answered with a line of JSON, or a frame when it asks for one (the native
// gt); any other (`poke`, or nothing) asks for a pass.
import { promises as fsp, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { errorMessage, GtError } from '../errors.js';
import type { SocketAnswer } from '../protocol/daemon-socket.js';
import { answerFrame } from '../protocol/daemon-socket.js';
import { withSocketPath } from '../util/socket.js';
import { MAX_HOOK_INPUT_BYTES } from '../util/stdin.js';

/** A hook's request line: its input and a little about its session. */
const MAX_REQUEST_BYTES = MAX_HOOK_INPUT_BYTES * 2 + 64 * 1024;

export interface SocketHandlers {
  onPoke: () => void;
  /** Answers a request (a hook's work, a nudge: already parsed JSON). */
  onRequest: (request: unknown) => Promise<SocketAnswer>;
}

/** Holding the host lock, the daemon may replace a socket its dead predecessor left behind. */
export async function listenForPokes(path: string, handlers: SocketHandlers): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((socket) => serve(socket, handlers));
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

/** Reads a connection's first line; a poke is answered by closing, a hook by its answer. */
function serve(socket: Socket, handlers: SocketHandlers): void {
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  let size = 0;
  let decided = false;
  const poke = (): void => {
    decided = true;
    // Read (and drop) the rest, or the client's FIN is never seen and the connection
    // stays half-open, holding up the server's close at shutdown.
    socket.resume();
    socket.end();
    handlers.onPoke();
  };
  socket.on('data', (chunk: Buffer) => {
    if (decided) return;
    if (size === 0 && chunk[0] !== 0x7b /* { */) return poke();
    chunks.push(chunk);
    size += chunk.length;
    const end = chunk.indexOf(0x0a);
    if (end < 0 && size <= MAX_REQUEST_BYTES) return;
    decided = true;
    if (end < 0) return void socket.destroy(); // no line within the bound: not a hook of ours
    const line = Buffer.concat(chunks).subarray(0, size - chunk.length + end);
    void answer(socket, line, handlers);
  });
  socket.on('end', () => {
    if (!decided) poke();
  });
}

async function answer(socket: Socket, line: Buffer, handlers: SocketHandlers): Promise<void> {
  let request: unknown;
  try {
    request = JSON.parse(line.toString('utf8'));
  } catch {
    request = undefined;
  }
  // What throws is answered `fallback`: the client then runs the command itself, which says why.
  const reply: SocketAnswer = await handlers.onRequest(request).catch((err: unknown) => ({
    fallback: errorMessage(err),
  }));
  const framed = (request as { reply?: unknown } | undefined)?.reply === 'frame';
  socket.end(framed ? answerFrame(reply) : `${JSON.stringify(reply)}\n`);
}
