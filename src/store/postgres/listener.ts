// LISTEN on a dedicated connection, kept alive across server restarts: a lost connection is
// reconnected with bounded backoff, and a reconnect counts as a wake-up (anything announced
// while it was down was missed). An idle listener only learns that its server vanished
// without a word (a host or network gone) by asking, so it pings now and then.
import pg from 'pg';
import { STATEMENTS } from './statements.js';

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 5_000;
const PING_TIMEOUT_MS = 5_000;

export interface ListenerOptions {
  config: pg.ClientConfig;
  channel: string;
  /** Only notifications with this payload (the store's schema) are for us. */
  payload: string;
  onWake: () => void;
  onError?: ((err: Error) => void) | undefined;
  /** How often the idle connection asks its server whether it is still there. */
  pingMs: number;
}

export class Listener {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private backoffMs = MIN_BACKOFF_MS;
  private connecting: Promise<void> | undefined;
  private pinger: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ListenerOptions) {}

  /** Connects and listens; rejects if this first attempt fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.opts.config);
    // Errors arrive as events too; one handler per client, so none is ever unhandled.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () =>
      this.lost(client, new Error('Connection terminated: the wake-up connection closed')),
    );
    client.on('notification', (n) => {
      if (this.stopped || n.channel !== this.opts.channel || n.payload !== this.opts.payload)
        return;
      this.opts.onWake();
    });
    try {
      await client.connect();
      await client.query(STATEMENTS.listen);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    clearInterval(this.pinger);
    this.pinger = setInterval(() => void this.ping(client), this.opts.pingMs);
    this.pinger.unref();
  }

  private async ping(client: pg.Client): Promise<void> {
    try {
      // node-postgres honours a per-query query_timeout its types do not declare
      const ping: pg.QueryConfig & { query_timeout: number } = {
        text: STATEMENTS.ping,
        query_timeout: Math.min(PING_TIMEOUT_MS, this.opts.pingMs),
      };
      await client.query(ping);
    } catch (err) {
      this.lost(client, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    clearInterval(this.pinger);
    void client.end().catch(() => undefined);
    this.opts.onError?.(err);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.timer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      this.connecting = this.connect();
      await this.connecting;
    } catch (err) {
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      this.schedule();
      return;
    }
    if (this.stopped) return;
    this.backoffMs = MIN_BACKOFF_MS;
    this.opts.onWake();
  }

  /** Stops listening and closes the connection; no wake-up is delivered after it resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
