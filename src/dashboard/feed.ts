// The one reader of the town for every browser: a status snapshot read from tmux and the store
// at most once per refresh interval (and only while someone watches or asks), and a tail of the
// store's events, both fanned out to every connected client. However many clients, one read.
import type { TownStatus } from '../status/town.js';
import type { Store, StoredEvent } from '../store/store.js';

export interface FeedClient {
  /** The snapshot changed (or the client just joined): its JSON, serialised once for all. */
  status(json: string): void;
  /** New events, oldest first. */
  events(events: readonly StoredEvent[]): void;
}

export interface Snapshot {
  at: number;
  status: TownStatus;
  json: string;
}

export interface FeedOptions {
  readStatus: () => Promise<TownStatus>;
  store: Store;
  /** How often the snapshot is read while clients watch; also how long a read stays fresh. */
  refreshMs: number;
  /** How often the store's events are tailed while clients watch. */
  eventsMs: number;
  /** Sees every new event once (metrics count them). */
  onEvents?: (events: readonly StoredEvent[]) => void | Promise<void>;
  onError?: (what: string, err: unknown) => void;
  now?: () => number;
}

/** How many recent events a client that names no Last-Event-ID is given. */
export const RECENT_EVENTS = 100;
/** How far back the first look for recent events goes. */
const PRIME_WINDOW_MS = 60 * 60 * 1000;
const TAIL_PAGE = 500;

/** The snapshot's JSON without the fields that change every second by themselves. */
export function changeKey(status: TownStatus): string {
  return JSON.stringify(status, (key, value: unknown) =>
    key === 'uptime_seconds' ? undefined : value,
  );
}

export class TownFeed {
  private snapshot: Snapshot | undefined;
  private key = '';
  private reading: Promise<Snapshot> | undefined;
  private tailing: Promise<StoredEvent[]> | undefined;
  private readonly clients = new Set<FeedClient>();
  private readonly recentEvents: StoredEvent[] = [];
  private lastSeq: number | undefined;
  private primeTs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bumped when polling stops, so a read in flight then schedules no more. */
  private generation = 0;
  /** Reads of tmux and the store made so far (the benchmark and tests count them). */
  reads = 0;

  constructor(private readonly opts: FeedOptions) {
    this.primeTs = this.now() - PRIME_WINDOW_MS;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get watchers(): number {
    return this.clients.size;
  }

  /** The snapshot: the last one while it is fresh, else one read shared by all who ask meanwhile. */
  status(): Promise<Snapshot> {
    const fresh =
      this.snapshot !== undefined && this.now() - this.snapshot.at < this.opts.refreshMs;
    if (fresh && this.snapshot !== undefined) return Promise.resolve(this.snapshot);
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<Snapshot> {
    this.reads += 1;
    const status = await this.opts.readStatus();
    const snapshot = { at: this.now(), status, json: JSON.stringify(status) };
    this.snapshot = snapshot;
    const key = changeKey(status);
    if (key !== this.key) {
      this.key = key;
      for (const c of this.clients) c.status(snapshot.json);
    }
    return snapshot;
  }

  /** Events recorded since the last look, fanned out; one look at a time. */
  catchUp(): Promise<StoredEvent[]> {
    this.tailing ??= this.tail().finally(() => (this.tailing = undefined));
    return this.tailing;
  }

  private async tail(): Promise<StoredEvent[]> {
    const found: StoredEvent[] = [];
    for (;;) {
      const page = await this.opts.store.listEvents(
        this.lastSeq === undefined
          ? { sinceTs: this.primeTs, limit: TAIL_PAGE }
          : { afterSeq: this.lastSeq, limit: TAIL_PAGE },
      );
      const last = page.at(-1);
      if (last === undefined) break;
      this.lastSeq = last.seq;
      found.push(...page);
      if (page.length < TAIL_PAGE) break;
    }
    if (found.length === 0) return found;
    this.recentEvents.push(...found);
    this.recentEvents.splice(0, Math.max(0, this.recentEvents.length - RECENT_EVENTS));
    await this.opts.onEvents?.(found);
    for (const c of this.clients) c.events(found);
    return found;
  }

  /** The newest events (up to RECENT_EVENTS), after a look for any just recorded. */
  async recent(): Promise<StoredEvent[]> {
    await this.catchUp();
    return [...this.recentEvents];
  }

  /** Adds a client; the first one starts the shared polling. Returns how it leaves. */
  join(client: FeedClient): () => void {
    this.clients.add(client);
    if (this.clients.size === 1) this.startPolling();
    return () => {
      if (!this.clients.delete(client)) return;
      if (this.clients.size === 0) this.stopPolling();
    };
  }

  private startPolling(): void {
    this.loop('status', this.opts.refreshMs, () => this.status());
    this.loop('events', this.opts.eventsMs, () => this.catchUp());
  }

  /** Runs `fn` every `ms` after the last run ended (never two at once), until polling stops. */
  private loop(what: string, ms: number, fn: () => Promise<unknown>): void {
    const generation = this.generation;
    const tick = (): void => {
      this.timers.delete(timer);
      fn()
        .catch((err: unknown) => this.opts.onError?.(what, err))
        .finally(() => {
          if (generation !== this.generation) return;
          timer = setTimeout(tick, ms);
          this.timers.add(timer);
        });
    };
    let timer = setTimeout(tick, ms);
    this.timers.add(timer);
  }

  private stopPolling(): void {
    this.generation += 1;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  close(): void {
    this.clients.clear();
    this.stopPolling();
  }
}
