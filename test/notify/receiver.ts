// A real HTTP receiver on 127.0.0.1 for notification tests: it answers each request as the test
// scripts it (200, 500, hang, or the port closed to refuse), and keeps what it got.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from '../helpers/temp.js';

export type Answer = 200 | 500 | 'hang';

export interface Received {
  id: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  answer: Answer;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers for the next requests, in order; then `fallback`. */
  script(...answers: Answer[]): void;
  fallback: Answer;
  /** Answers every hanging request with 200. */
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const queue: Answer[] = [];
  const hanging: ServerResponse[] = [];
  const received: Received[] = [];
  const r: Partial<Receiver> = { fallback: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = queue.shift() ?? r.fallback ?? 200;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // kept as {}: the test sees a body it did not expect
      }
      const id = String(req.headers['x-gt-notification-id'] ?? '');
      received.push({ id, body, headers: req.headers, answer });
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const res of hanging.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onCleanup(close);
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    script: (...answers: Answer[]) => queue.push(...answers),
    release: () => {
      for (const res of hanging.splice(0)) res.writeHead(200).end();
    },
    close,
  }) as Receiver;
}

/** A URL on 127.0.0.1 where nothing listens: a refused connection. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}
