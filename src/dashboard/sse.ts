// GET /api/events: server-sent events. Each store event goes out with `id:` its sequence number,
// so a browser that reconnects with Last-Event-ID gets everything after it, none twice; a
// `status` event carries the snapshot whenever it changes. Clients share the feed's one reader.
import { eventJson } from '../status/event-json.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store, StoredEvent } from '../store/store.js';
import type { TownFeed } from './feed.js';
import { HttpError, commonHeaders } from './http.js';

/** A client this far behind (bytes unsent) is cut off rather than buffered without end. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const RESUME_PAGE = 500;
/** Streams open at once; more are refused (each holds a socket and up to its backlog). */
export const MAX_STREAMS = 64;

/** The sequence number to resume after: Last-Event-ID, else ?after=; undefined for neither. */
export function resumeAfter(req: IncomingMessage, url: URL): number | undefined {
  const header = req.headers['last-event-id'];
  const text = typeof header === 'string' ? header : (url.searchParams.get('after') ?? undefined);
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,15}$/.test(text))
    throw new HttpError(400, 'GT_BAD_EVENT_ID', 'Last-Event-ID must be an event number');
  return Number(text);
}

async function* eventsAfter(store: Store, after: number): AsyncGenerator<StoredEvent[]> {
  for (let seq = after; ;) {
    const page = await store.listEvents({ afterSeq: seq, limit: RESUME_PAGE });
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (last === undefined || page.length < RESUME_PAGE) return;
    seq = last.seq;
  }
}

export interface EventStreamDeps {
  feed: TownFeed;
  store: Store;
  onOpen?: () => void;
  onClose?: () => void;
}

/**
 * Streams to one client: it joins the feed first (holding what arrives), then gets what it
 * missed from the store, then what was held; anything seen twice goes out once.
 */
export async function serveEvents(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: EventStreamDeps,
): Promise<void> {
  const after = resumeAfter(req, url);
  if (deps.feed.watchers >= MAX_STREAMS)
    throw new HttpError(503, 'GT_TOO_MANY_STREAMS', `at most ${MAX_STREAMS} event streams at once`);
  res.writeHead(200, {
    ...commonHeaders(),
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n\n');
  let sent = after ?? 0;
  let held: StoredEvent[] | undefined = [];
  const write = (text: string): void => {
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
    else res.write(text);
  };
  const send = (events: readonly StoredEvent[]): void => {
    for (const e of events) {
      if (e.seq <= sent) continue;
      sent = e.seq;
      write(`id: ${e.seq}\ndata: ${JSON.stringify(eventJson(e))}\n\n`);
    }
  };
  const leave = deps.feed.join({
    status: (json) => write(`event: status\ndata: ${json}\n\n`),
    events: (events) => (held === undefined ? send(events) : held.push(...events)),
  });
  deps.onOpen?.();
  res.on('close', () => {
    leave();
    deps.onClose?.();
  });
  write(`event: status\ndata: ${(await deps.feed.status()).json}\n\n`);
  if (after === undefined) send(await deps.feed.recent());
  else
    for await (const page of eventsAfter(deps.store, after)) {
      if (res.destroyed) break; // gone, or cut off behind: read no further
      send(page);
    }
  const waiting = held;
  held = undefined;
  send(waiting);
}
