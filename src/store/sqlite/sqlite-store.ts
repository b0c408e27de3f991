// The embedded Store: SQLite through better-sqlite3, WAL, file mode 0600. Its SQL is in
// statements.ts (prepared on first use), its schema in schema.ts and migrate.ts.
import type BetterSqlite3 from 'better-sqlite3';
import { messageIdFloor, newMessageId, newNudgeId } from '../ids.js';
import type {
  AgentPatch,
  AgentRecord,
  ClaimOptions,
  DueOptions,
  EventQuery,
  InboxOptions,
  Message,
  MessageCounts,
  MessageStatus,
  NewEvent,
  NewMessage,
  NewNudge,
  Nudge,
  NudgePatch,
  NudgeQuery,
  NudgeStatus,
  Settlement,
  Store,
  StoredEvent,
} from '../store.js';
import { NEVER } from '../store.js';
import type { Row } from '../rows.js';
import {
  AGENT_FIELDS,
  NEW_MESSAGE_STATE,
  NUDGE_FIELDS,
  toAgent,
  toEvent,
  toMessage,
  toNudge,
} from '../rows.js';
import { storeError } from './errors.js';
import { migrate, openDatabase } from './migrate.js';
import type { StatementName } from './statements.js';
import { STATEMENTS } from './statements.js';

export interface SqliteStoreOptions {
  busyTimeoutMs?: number;
  now?: () => number;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<StatementName, BetterSqlite3.Statement>();
  private readonly now: () => number;

  private constructor(file: string, db: BetterSqlite3.Database, now: () => number) {
    this.file = file;
    this.db = db;
    this.now = now;
  }

  static open(file: string, opts: SqliteStoreOptions = {}): SqliteStore {
    const db = openDatabase(file, opts.busyTimeoutMs ?? 5000);
    try {
      migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(file, db, opts.now ?? Date.now);
  }

  private stmt(name: StatementName): BetterSqlite3.Statement {
    let statement = this.statements.get(name);
    if (statement === undefined) {
      statement = this.db.prepare(STATEMENTS[name]);
      this.statements.set(name, statement);
    }
    return statement;
  }

  /** Runs a synchronous database call, as a promise: store errors become rejections, typed. */
  private run<T>(what: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeError(err, this.file, what));
    }
  }

  sendMessage(msg: NewMessage): Promise<Message> {
    return this.run('saving the message', () => {
      const createdAt = msg.createdAt ?? this.now();
      const row = {
        id: newMessageId(createdAt),
        from: msg.from,
        to: msg.to,
        subject: msg.subject,
        body: msg.body,
        priority: msg.priority,
        type: msg.type,
        threadId: msg.threadId ?? null,
        replyTo: msg.replyTo ?? null,
        createdAt,
        senderVerified: msg.senderVerified ? 1 : 0,
      };
      const info = this.stmt('insertMessage').run(
        row.id,
        row.from,
        row.to,
        row.subject,
        row.body,
        row.priority,
        row.type,
        row.threadId,
        row.replyTo,
        row.createdAt,
        row.senderVerified,
      );
      // Built here rather than read back: the row is exactly what was inserted plus defaults.
      return {
        ...row,
        seq: Number(info.lastInsertRowid),
        senderVerified: msg.senderVerified,
        ...NEW_MESSAGE_STATE,
      };
    });
  }

  getMessage(id: string): Promise<Message | undefined> {
    return this.run('reading a message', () => {
      const row = this.stmt('getMessage').get(id) as Row | undefined;
      return row === undefined ? undefined : toMessage(row);
    });
  }

  listInbox(to: string, opts: InboxOptions = {}): Promise<Message[]> {
    const params = {
      to,
      all: opts.all ? 1 : 0,
      unread: opts.unreadOnly ? 1 : 0,
      limit: opts.limit ?? -1,
    };
    return this.run('reading the inbox', () =>
      (this.stmt('inbox').all(params) as Row[]).map(toMessage),
    );
  }

  listThread(threadId: string): Promise<Message[]> {
    return this.run('reading a thread', () =>
      (this.stmt('thread').all(threadId) as Row[]).map(toMessage),
    );
  }

  closeMessage(id: string, outcome: string, now: number): Promise<boolean> {
    return this.run(
      'closing a message',
      () => this.stmt('closeMessage').run({ id, outcome, now }).changes > 0,
    );
  }

  countUnread(to: string): Promise<number> {
    return this.run('counting mail', () => (this.stmt('countUnread').get(to) as { n: number }).n);
  }

  markRead(id: string, read: boolean): Promise<boolean> {
    return this.run(
      'marking mail read',
      () => this.stmt('markRead').run(read ? 1 : 0, id).changes > 0,
    );
  }

  deleteMessage(id: string): Promise<boolean> {
    return this.run('deleting mail', () => this.stmt('deleteMessage').run(id).changes > 0);
  }

  purgeMessages(before: number): Promise<number> {
    return this.run(
      'purging mail',
      () =>
        this.stmt('purge').run({ before, cutoffId: messageIdFloor(before), never: NEVER }).changes,
    );
  }

  claimMessages(opts: ClaimOptions): Promise<Message[]> {
    return this.run('claiming requests', () => {
      const rows = this.stmt('claim').all({
        to: opts.to,
        owner: opts.owner,
        host: opts.host,
        now: opts.now,
        leaseUntil: opts.now + opts.leaseMs,
        limit: opts.limit,
        takeOver: opts.takeOverHost ? 1 : 0,
        ownHost: opts.onlyOwnHostAgents ? 1 : 0,
      }) as Row[];
      return rows.map(toMessage).sort((a, b) => a.seq - b.seq);
    });
  }

  settleMessage(id: string, owner: string, settlement: Settlement, now: number): Promise<boolean> {
    return this.run('settling a request', () => {
      switch (settlement.kind) {
        case 'done':
          return (
            this.stmt('settleDone').run({ id, owner, now, outcome: settlement.outcome }).changes > 0
          );
        case 'dead':
          return (
            this.stmt('settleDead').run({ id, owner, now, error: settlement.error }).changes > 0
          );
        case 'retry': {
          const { error, nextAttemptAt } = settlement;
          return this.stmt('settleRetry').run({ id, owner, error, nextAttemptAt }).changes > 0;
        }
        case 'mail': {
          const params = { id, owner, outcome: settlement.outcome, never: NEVER };
          return this.stmt('settleMail').run(params).changes > 0;
        }
      }
    });
  }

  releaseClaims(owner: string): Promise<number> {
    return this.run('releasing claims', () => this.stmt('release').run(owner).changes);
  }

  countByStatus(to: string): Promise<MessageCounts> {
    return this.run('counting requests', () => {
      const rows = this.stmt('countByStatus').all({ to, never: NEVER }) as Array<{
        status: MessageStatus;
        n: number;
      }>;
      const counts: MessageCounts = { open: 0, claimed: 0, done: 0, dead: 0 };
      for (const { status, n } of rows) counts[status] = n;
      return counts;
    });
  }

  nextDueAt(to: string, opts?: DueOptions): Promise<number | null> {
    const ownHost = opts?.onlyOwnHostAgents ? 1 : 0;
    const params = { to, host: opts?.host ?? '', ownHost, never: NEVER };
    return this.run(
      'reading due requests',
      () => (this.stmt('nextDue').get(params) as { t: number | null }).t,
    );
  }

  listByStatus(to: string, status: MessageStatus, limit: number): Promise<Message[]> {
    return this.run('listing requests', () =>
      (this.stmt('listByStatus').all(to, status, limit) as Row[]).map(toMessage),
    );
  }

  recordEvent(event: NewEvent): Promise<StoredEvent> {
    return this.run('recording an event', () =>
      toEvent(
        this.stmt('insertEvent').get({
          ts: event.ts ?? this.now(),
          kind: event.kind,
          identity: event.identity ?? null,
          messageId: event.messageId ?? null,
          requestId: event.requestId ?? null,
          action: event.action ?? null,
          outcome: event.outcome ?? null,
          reason: event.reason ?? null,
          durationMs: event.durationMs ?? null,
          data: event.data == null ? null : JSON.stringify(event.data),
        }) as Row,
      ),
    );
  }

  listEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    return this.run('reading events', () => {
      const params = {
        sinceTs: query.sinceTs ?? 0,
        afterSeq: query.afterSeq ?? 0,
        limit: query.limit ?? -1,
        identity: query.identity ?? null,
      };
      const which = query.newest === true ? 'listEventsNewest' : 'listEvents';
      return (this.stmt(which).all(params) as Row[]).map(toEvent);
    });
  }

  purgeEvents(before: number): Promise<number> {
    return this.run('purging events', () => this.stmt('purgeEvents').run({ before }).changes);
  }

  enqueueNudge(nudge: NewNudge): Promise<Nudge> {
    return this.run('queueing a nudge', () => {
      const createdAt = nudge.createdAt ?? this.now();
      const params = { id: newNudgeId(createdAt), ...nudge, createdAt };
      return toNudge(this.stmt('insertNudge').get(params) as Row);
    });
  }

  getNudge(id: string): Promise<Nudge | undefined> {
    return this.run('reading a nudge', () => {
      const row = this.stmt('getNudge').get(id) as Row | undefined;
      return row === undefined ? undefined : toNudge(row);
    });
  }

  listNudges(query: NudgeQuery = {}): Promise<Nudge[]> {
    const params = {
      to: query.to ?? null,
      statuses: query.statuses === undefined ? null : JSON.stringify(query.statuses),
      limit: query.limit ?? -1,
    };
    return this.run('listing nudges', () =>
      (this.stmt('listNudges').all(params) as Row[]).map(toNudge),
    );
  }

  updateNudge(
    id: string,
    from: readonly NudgeStatus[],
    patch: NudgePatch,
    now: number,
  ): Promise<Nudge | undefined> {
    return this.run('updating a nudge', () => {
      const sets = ['updated_at = @now'];
      const values: Record<string, unknown> = { id, now, from: JSON.stringify(from) };
      for (const [key, column] of Object.entries(NUDGE_FIELDS)) {
        if (!(key in patch)) continue;
        sets.push(`${column} = @${key}`);
        values[key] = patch[key as keyof NudgePatch] ?? null;
      }
      const sql = `UPDATE nudges SET ${sets.join(', ')} WHERE id = @id
        AND status IN (SELECT value FROM json_each(@from)) RETURNING *`;
      const row = this.patchStatement(sql).get(values) as Row | undefined;
      return row === undefined ? undefined : toNudge(row);
    });
  }

  purgeNudges(before: number): Promise<number> {
    return this.run('purging nudges', () => this.stmt('purgeNudges').run({ before }).changes);
  }

  getAgent(identity: string): Promise<AgentRecord | undefined> {
    return this.run('reading an agent', () => {
      const row = this.stmt('getAgent').get(identity) as Row | undefined;
      return row === undefined ? undefined : toAgent(row);
    });
  }

  patchAgent(identity: string, patch: AgentPatch): Promise<AgentRecord> {
    return this.run('saving an agent', () =>
      this.db
        .transaction(() => {
          const now = this.now();
          this.stmt('ensureAgent').run(identity, now);
          const { sql, values } = agentUpdate(patch);
          this.patchStatement(sql).run({ ...values, identity, updatedAt: now });
          return toAgent(this.stmt('getAgent').get(identity) as Row);
        })
        .immediate(),
    );
  }

  private readonly patchStatements = new Map<string, BetterSqlite3.Statement>();

  private patchStatement(sql: string): BetterSqlite3.Statement {
    let statement = this.patchStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.patchStatements.set(sql, statement);
    }
    return statement;
  }

  listAgents(): Promise<AgentRecord[]> {
    return this.run('listing agents', () => (this.stmt('listAgents').all() as Row[]).map(toAgent));
  }

  /** Runs `fn` in one transaction (for batches: one commit instead of one per statement). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  integrityCheck(): string {
    const row = this.db.prepare('PRAGMA integrity_check').get() as { integrity_check: string };
    return row.integrity_check;
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

function agentUpdate(patch: AgentPatch): { sql: string; values: Record<string, unknown> } {
  const sets: string[] = ['updated_at = @updatedAt'];
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(AGENT_FIELDS) as Array<keyof AgentPatch>) {
    if (!(key in patch)) continue;
    const value = patch[key];
    sets.push(`${AGENT_FIELDS[key]} = @${key}`);
    values[key] =
      key === 'restarts'
        ? JSON.stringify(value ?? [])
        : typeof value === 'boolean'
          ? Number(value)
          : value;
  }
  return { sql: `UPDATE agents SET ${sets.join(', ')} WHERE identity = @identity`, values };
}
