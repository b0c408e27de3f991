// The embedded Store: SQLite through better-sqlite3, WAL, file mode 0600. Its SQL is in
// statements.ts (prepared on first use), its schema in schema.ts and migrate.ts, the queries
// by subject in mail.ts, events.ts, agents.ts and nudges.ts.
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
} from '../store.js';
import * as agents from './agents.js';
import { SqliteDb } from './database.js';
import * as events from './events.js';
import * as mail from './mail.js';
import { migrate, openDatabase } from './migrate.js';
import * as nudges from './nudges.js';
import * as notifications from './notifications.js';
import * as usage from './usage.js';
import type { UsageCursor, UsageEntry, UsageQuery, UsageSum } from '../usage.js';

export interface SqliteStoreOptions {
  busyTimeoutMs?: number;
  now?: () => number;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: SqliteDb;

  private constructor(db: SqliteDb) {
    this.file = db.file;
    this.db = db;
  }

  static open(file: string, opts: SqliteStoreOptions = {}): SqliteStore {
    const db = openDatabase(file, opts.busyTimeoutMs ?? 5000);
    try {
      migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(new SqliteDb(file, db, opts.now ?? Date.now));
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

  listEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    return events.listEvents(this.db, query);
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

  purgeEvents(before: number): Promise<number> {
    return events.purgeEvents(this.db, before);
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

  /** Runs `fn` in one transaction (for batches: one commit instead of one per statement). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  integrityCheck(): string {
    return this.db.integrityCheck();
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
