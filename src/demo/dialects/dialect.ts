// What the scripted model server needs of one API's wire format (a dialect): which requests are
// its own, what a request asks (the prompt, whether it is the agent's main conversation), and
// how a reply, a shell command for the agent to run, or an API error is written back.
import type { ServerResponse } from 'node:http';

/** One answer of the scripted model: words, or a shell command for the agent's tool to run. */
export type Reply = { kind: 'text'; text: string } | { kind: 'shell'; command: string };

/** What one request asks, as far as the server's script cares. */
export interface ReadRequest {
  /** The agent's own conversation (as opposed to a title, a summary or a classifier). */
  main: boolean;
  /** The newest prompt text: where directives (SAY:, BASH:, ERR:…) are read. */
  lastUserText: string;
  /** Everything the model would read, for tests that look for a note or a marker. */
  text: string;
  stream: boolean;
  model: string;
}

/** The dialect's own readers of a request body (whose shape it has checked). */
export interface BodyReaders {
  main: boolean;
  lastUserText(body: Record<string, unknown>): string;
  text(body: Record<string, unknown>): string;
  /** The model a request without one is taken to ask for. */
  model: string;
}

/** A request as the server records it, read with the dialect's own readers. */
export function requestOf(body: Record<string, unknown>, readers: BodyReaders): ReadRequest {
  return {
    main: readers.main,
    lastUserText: readers.lastUserText(body),
    text: readers.text(body),
    stream: body.stream === true,
    model: typeof body.model === 'string' ? body.model : readers.model,
  };
}

/** The tokens one reply says it spent, as the server counts them (cache reads apart from input). */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * What exchange `n` reports spending: different from one exchange to the next, so a sum tests
 * something, and the same on every run. Only the Anthropic API reports cache writes.
 */
export function usageOf(n: number, dialect: string): Usage {
  const cacheWrite = dialect === 'anthropic' ? 4 * (n % 2) : 0;
  return { input: 100 + n, output: 20 + (n % 7), cacheRead: 10 * (n % 3), cacheWrite };
}

/** One exchange: the response to write, `n` numbering its ids, and what the reply spends. */
export interface Exchange {
  res: ServerResponse;
  n: number;
  model: string;
  stream: boolean;
  usage: Usage;
}

export interface Dialect {
  readonly name: string;
  /** Whether a request to `method` and `path` speaks this dialect's conversation API. */
  handles(method: string, path: string): boolean;
  /** What the request asks; undefined when it is malformed (answered 400). */
  read(method: string, path: string, body: unknown): ReadRequest | undefined;
  /** The answer to a side request (a title, a summary, a classifier). */
  side(ex: Exchange, body: unknown): void;
  reply(ex: Exchange, reply: Reply): void;
  error(ex: Exchange, status: number, retryAfter?: number, message?: string): void;
  /** Answers another route of this API (a model list, a token count); false when not one. */
  other?(res: ServerResponse, method: string, path: string, raw: string): boolean;
}

/** False once the client has gone or the response is under way: nothing more may be sent. */
export function canAnswer(res: ServerResponse): boolean {
  return !res.destroyed && !res.headersSent;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (!canAnswer(res)) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** Writes server-sent events, each `data` JSON (with an `event:` line when `event` names one). */
export function sendEvents(
  res: ServerResponse,
  events: ReadonlyArray<{ event?: string; data: unknown }>,
): void {
  if (!canAnswer(res)) return;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events)
    res.write(
      `${e.event === undefined ? '' : `event: ${e.event}\n`}data: ${JSON.stringify(e.data)}\n\n`,
    );
  res.end();
}
