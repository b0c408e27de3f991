// The shared Store: PostgreSQL through node-postgres, for towns that span machines.
// Same semantics as the SQLite backend; claims skip rows other daemons hold (SKIP LOCKED),
// and mail to the deacon is announced with NOTIFY. All SQL is in statements.ts; the pool is
// pool.ts, the queries by subject are mail.ts, events.ts, agents.ts and nudges.ts.
import type pg from 'pg';
import { StoreError } from '../../errors.js';
import type {
  AgentPatch,
  AgentRecord,
  EndedSession,
  ClaimOptions,
  DueOptions,
  EventQuery,
  InboxOptions,
  Message,
  MessageCounts,
  MessageStatus,
  NewEvent,
  NewMessage,
  NewNotification,
  NewNudge,
  Notification,
  NotificationResult,
  NotificationStatus,
  Nudge,
  NudgePatch,
  NudgeQuery,
  NudgeStatus,
  Settlement,
  Store,
  StoredEvent,
  Unsubscribe,
  WakeChannel,
} from '../store.js';
import * as agents from './agents.js';
import { pgStoreError } from './errors.js';
import * as events from './events.js';
import { Listener } from './listener.js';
import * as mail from './mail.js';
import * as nudges from './nudges.js';
import * as notifications from './notifications.js';
import * as usage from './usage.js';
import type { UsageCursor, UsageEntry, UsageQuery, UsageSum } from '../usage.js';
import type { PostgresStoreOptions } from './pool.js';
import { PgPool } from './pool.js';
import { DEACON_CHANNEL } from './schema.js';
import { parseStoreUrl } from './url.js';

export type { PostgresStoreOptions } from './pool.js';

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  /** The URL without its password. */
  readonly where: string;
  private readonly db: PgPool;
  private readonly pingMs: number;
  private readonly listeners = new Set<Listener>();
  private schemaName = '';

  private constructor(url: string, opts: PostgresStoreOptions) {
    const parsed = parseStoreUrl(url, opts.schema);
    this.where = parsed.redacted;
    this.pingMs = opts.pingMs ?? 15_000;
    this.db = new PgPool(parsed.href, this.where, opts);
  }

  /** Connects, applies missing migrations, and refuses a schema newer than this code. */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, opts);
    try {
      store.schemaName = await store.db.migrate(opts.schema);
    } catch (err) {
      await store.db.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  /** The schema the tables live in. */
  get schema(): string {
    return this.schemaName;
  }

  sendMessage(msg: NewMessage): Promise<Message> {
    return mail.sendMessage(this.db, msg);
  }

  getMessage(id: string): Promise<Message | undefined> {
    return mail.getMessage(this.db, id);
  }

  listInbox(to: string, opts: InboxOptions = {}): Promise<Message[]> {
    return mail.listInbox(this.db, to, opts);
  }

  listThread(threadId: string): Promise<Message[]> {
    return mail.listThread(this.db, threadId);
  }

  closeMessage(id: string, outcome: string, now: number): Promise<boolean> {
    return mail.closeMessage(this.db, id, outcome, now);
  }

  countUnread(to: string): Promise<number> {
    return mail.countUnread(this.db, to);
  }

  markRead(id: string, read: boolean): Promise<boolean> {
    return mail.markRead(this.db, id, read);
  }

  deleteMessage(id: string): Promise<boolean> {
    return mail.deleteMessage(this.db, id);
  }

  purgeMessages(before: number): Promise<number> {
    return mail.purgeMessages(this.db, before);
  }

  claimMessages(opts: ClaimOptions): Promise<Message[]> {
    return mail.claimMessages(this.db, opts);
  }

  settleMessage(id: string, owner: string, settlement: Settlement, now: number): Promise<boolean> {
    return mail.settleMessage(this.db, id, owner, settlement, now);
  }

  releaseClaims(owner: string): Promise<number> {
    return mail.releaseClaims(this.db, owner);
  }

  countByStatus(to: string): Promise<MessageCounts> {
    return mail.countByStatus(this.db, to);
  }

  nextDueAt(to: string, opts?: DueOptions): Promise<number | null> {
    return mail.nextDueAt(this.db, to, opts);
  }

  listByStatus(to: string, status: MessageStatus, limit: number): Promise<Message[]> {
    return mail.listByStatus(this.db, to, status, limit);
  }

  recordEvent(event: NewEvent, notify: readonly NewNotification[] = []): Promise<StoredEvent> {
    return notify.length === 0
      ? events.recordEvent(this.db, event)
      : notifications.recordEventNotifying(this.db, event, notify);
  }

  claimNotifications(opts: {
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<Notification[]> {
    return notifications.claimNotifications(this.db, opts);
  }

  settleNotification(id: string, result: NotificationResult, now: number): Promise<void> {
    return notifications.settleNotification(this.db, id, result, now);
  }

  listNotifications(
    query: { statuses?: readonly NotificationStatus[]; limit?: number } = {},
  ): Promise<Notification[]> {
    return notifications.listNotifications(this.db, query);
  }

  recordUsage(cursor: UsageCursor, entries: readonly UsageEntry[]): Promise<number> {
    return usage.recordUsage(this.db, cursor, entries);
  }

  getUsageCursor(path: string): Promise<UsageCursor | undefined> {
    return usage.getUsageCursor(this.db, path);
  }

  listUsageCursors(since: number): Promise<UsageCursor[]> {
    return usage.listUsageCursors(this.db, since);
  }

  sumUsage(query: UsageQuery = {}): Promise<UsageSum[]> {
    return usage.sumUsage(this.db, query);
  }

  listEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    return events.listEvents(this.db, query);
  }

  purgeEvents(before: number): Promise<number> {
    return events.purgeEvents(this.db, before);
  }

  endSession(ended: EndedSession): Promise<boolean> {
    return agents.endSession(this.db, ended);
  }

  listSessions(identity: string, limit = 50): Promise<EndedSession[]> {
    return agents.listSessions(this.db, identity, limit);
  }

  getAgent(identity: string): Promise<AgentRecord | undefined> {
    return agents.getAgent(this.db, identity);
  }

  patchAgent(identity: string, patch: AgentPatch): Promise<AgentRecord> {
    return agents.patchAgent(this.db, identity, patch);
  }

  listAgents(): Promise<AgentRecord[]> {
    return agents.listAgents(this.db);
  }

  enqueueNudge(nudge: NewNudge): Promise<Nudge> {
    return nudges.enqueueNudge(this.db, nudge);
  }

  getNudge(id: string): Promise<Nudge | undefined> {
    return nudges.getNudge(this.db, id);
  }

  listNudges(query: NudgeQuery = {}): Promise<Nudge[]> {
    return nudges.listNudges(this.db, query);
  }

  updateNudge(
    id: string,
    from: readonly NudgeStatus[],
    patch: NudgePatch,
    now: number,
  ): Promise<Nudge | undefined> {
    return nudges.updateNudge(this.db, id, from, patch, now);
  }

  purgeNudges(before: number): Promise<number> {
    return nudges.purgeNudges(this.db, before);
  }

  async subscribe(
    channel: WakeChannel,
    onWake: () => void,
    onError?: (err: Error) => void,
  ): Promise<Unsubscribe> {
    if (channel !== 'deacon')
      throw new StoreError('GT_STORE_ERROR', `no wake-ups for ${String(channel)}`);
    if (this.db.closed)
      throw new StoreError('GT_STORE_CLOSED', `the store ${this.where} is closed`);
    const listener = new Listener({
      config: this.db.clientConfig,
      channel: DEACON_CHANNEL,
      payload: this.schemaName,
      pingMs: this.pingMs,
      onWake,
      onError:
        onError === undefined
          ? undefined
          : (err) => onError(pgStoreError(err, this.where, 'listening for wake-ups')),
    });
    try {
      await listener.start();
    } catch (err) {
      throw pgStoreError(err, this.where, 'listening for wake-ups');
    }
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  /** Runs `fn` on one connection inside a transaction (for bulk copies). */
  transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.db.transaction(what, fn);
  }

  async close(): Promise<void> {
    if (this.db.closed) return;
    this.db.closed = true;
    await Promise.all([...this.listeners].map((l) => l.stop()));
    this.listeners.clear();
    await this.db.end();
  }
}
