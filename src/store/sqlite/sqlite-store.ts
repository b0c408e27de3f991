// The embedded Store: SQLite through better-sqlite3, WAL, file mode 0600.
// All SQL of this backend lives in STATEMENTS below, prepared on first use.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './driver.js';
import { openSqlite } from './driver.js';
import { StoreError } from '../../errors.js';
import { messageIdFloor, newMessageId } from '../ids.js';
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
  Settlement,
  Store,
  StoredEvent,
} from '../store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import type { Row } from '../rows.js';
import { AGENT_FIELDS, NEW_MESSAGE_STATE, toAgent, toEvent, toMessage } from '../rows.js';

/** The sender's agent record names another host than @host: that host's daemon acts for it. */
const OTHER_HOST_AGENT = `SELECT 1 FROM agents WHERE agents.identity = messages.from_addr
  AND agents.host IS NOT NULL AND agents.host <> @host`;

const STATEMENTS = {
  insertMessage: `INSERT INTO messages (id, from_addr, to_addr, subject, body, priority, type, thread_id,
      reply_to, created_at, sender_verified)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  getMessage: `SELECT * FROM messages WHERE id = ?`,
  inbox: `SELECT * FROM messages WHERE to_addr = ? ORDER BY seq DESC LIMIT ?`,
  inboxUnread: `SELECT * FROM messages WHERE to_addr = ? AND read = 0 ORDER BY seq DESC LIMIT ?`,
  countUnread: `SELECT count(*) AS n FROM messages WHERE to_addr = ? AND read = 0`,
  markRead: `UPDATE messages SET read = ? WHERE id = ?`,
  deleteMessage: `DELETE FROM messages WHERE id = ?`,
  // Ids are time-ordered, so the id index finds old mail without an index of its own.
  // Settled requests are kept for the retention after they settle, not after they were sent,
  // so an old request dead-lettered today still shows in gt status.
  purge: `DELETE FROM messages WHERE id < @cutoffId AND created_at < @before AND (
    (status IN ('done', 'dead') AND closed_at < @before)
    OR (read = 1 AND status = 'open' AND to_addr <> 'deacon'))`,
  claim: `UPDATE messages
    SET status = 'claimed', claim_owner = @owner, claim_host = @host,
        lease_expires_at = @leaseUntil, attempts = attempts + 1,
        first_claimed_at = coalesce(first_claimed_at, @now)
    WHERE seq IN (
      -- Only the partial index of due requests, so a long history of settled mail costs nothing;
      -- INDEXED BY makes a plan that loses the index fail loudly instead of scanning.
      SELECT seq FROM (
        SELECT seq FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'open' AND next_attempt_at <= @now
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT}))
        UNION ALL
        SELECT seq FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'claimed'
          AND (lease_expires_at <= @now OR (@takeOver = 1 AND claim_host = @host AND claim_owner <> @owner))
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT})))
      ORDER BY seq LIMIT @limit)
    RETURNING *`,
  settleDone: `UPDATE messages SET status = 'done', outcome = @outcome, closed_at = @now,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  settleDead: `UPDATE messages SET status = 'dead', last_error = @error, outcome = 'dead-letter', closed_at = @now,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  settleRetry: `UPDATE messages SET status = 'open', last_error = @error, next_attempt_at = @nextAttemptAt,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  release: `UPDATE messages SET status = 'open', attempts = max(attempts - 1, 0), claim_owner = NULL,
      lease_expires_at = NULL WHERE status = 'claimed' AND claim_owner = ?`,
  countByStatus: `SELECT status, count(*) AS n FROM messages WHERE to_addr = ? GROUP BY status`,
  nextDue: `SELECT min(t) AS t FROM (
      SELECT min(next_attempt_at) AS t FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'open'
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT}))
      UNION ALL SELECT min(lease_expires_at) FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'claimed'
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT})))`,
  listByStatus: `SELECT * FROM messages WHERE to_addr = ? AND status = ? ORDER BY seq LIMIT ?`,
  insertEvent: `INSERT INTO events (ts, kind, identity, message_id, request_id, action, outcome, reason,
      duration_ms, data)
    VALUES (@ts, @kind, @identity, @messageId, @requestId, @action, @outcome, @reason, @durationMs, @data)
    RETURNING *`,
  listEvents: `SELECT * FROM events WHERE ts >= @sinceTs AND seq > @afterSeq ORDER BY seq LIMIT @limit`,
  getAgent: `SELECT * FROM agents WHERE identity = ?`,
  ensureAgent: `INSERT INTO agents (identity, updated_at) VALUES (?, ?) ON CONFLICT (identity) DO NOTHING`,
  listAgents: `SELECT * FROM agents ORDER BY identity`,
} as const;

type StatementName = keyof typeof STATEMENTS;

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
    const name = opts.unreadOnly ? 'inboxUnread' : 'inbox';
    return this.run('reading the inbox', () =>
      (this.stmt(name).all(to, opts.limit ?? -1) as Row[]).map(toMessage),
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
      () => this.stmt('purge').run({ before, cutoffId: messageIdFloor(before) }).changes,
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
      }
    });
  }

  releaseClaims(owner: string): Promise<number> {
    return this.run('releasing claims', () => this.stmt('release').run(owner).changes);
  }

  countByStatus(to: string): Promise<MessageCounts> {
    return this.run('counting requests', () => {
      const rows = this.stmt('countByStatus').all(to) as Array<{
        status: MessageStatus;
        n: number;
      }>;
      const counts: MessageCounts = { open: 0, claimed: 0, done: 0, dead: 0 };
      for (const { status, n } of rows) counts[status] = n;
      return counts;
    });
  }

  nextDueAt(to: string, opts?: DueOptions): Promise<number | null> {
    const params = { to, host: opts?.host ?? '', ownHost: opts?.onlyOwnHostAgents ? 1 : 0 };
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
      };
      return (this.stmt('listEvents').all(params) as Row[]).map(toEvent);
    });
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

function openDatabase(file: string, busyTimeoutMs: number): BetterSqlite3.Database {
  if (!existsSync(file)) createPrivateFile(file);
  let db: SqliteDatabase;
  try {
    db = openSqlite(file, { timeout: busyTimeoutMs, fileMustExist: true });
  } catch (err) {
    throw storeError(err, file, 'opening the store');
  }
  try {
    db.exec('PRAGMA synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw storeError(err, file, 'opening the store');
  }
}

/** Creates the file ourselves so it is born private; SQLite gives -wal and -shm the same mode. */
function createPrivateFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch (err) {
    throw storeError(err, file, 'creating the store');
  }
}

function migrate(db: BetterSqlite3.Database, file: string): void {
  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    throw storeError(err, file, 'reading the schema version');
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'GT_STORE_TOO_NEW',
      `the store ${file} has schema version ${version}, newer than this gt knows (${SCHEMA_VERSION})`,
      { hint: 'upgrade gt; it will not touch a store written by a newer version' },
    );
  }
  if (version === SCHEMA_VERSION) return;
  try {
    if (version === 0) db.pragma('journal_mode = WAL');
    db.transaction(() => {
      // Re-read inside the write transaction: another process may have migrated meanwhile.
      const current = db.pragma('user_version', { simple: true }) as number;
      for (let v = current; v < SCHEMA_VERSION; v++) {
        db.exec(MIGRATIONS[v] ?? '');
        db.pragma(`user_version = ${v + 1}`);
      }
    }).immediate();
  } catch (err) {
    throw storeError(err, file, 'migrating the store');
  }
}

function storeError(err: unknown, file: string, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message ?? String(err);
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_BUSY_SNAPSHOT':
      return new StoreError(
        'GT_STORE_BUSY',
        `the store ${file} stayed locked by another process while ${what}`,
        {
          hint: 'try again; if it persists, look for a stuck gt process',
          cause: err,
        },
      );
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new StoreError(
        'GT_STORE_CORRUPT',
        `the store ${file} is not a valid database (${message})`,
        {
          hint: 'restore .gt/town.db from a backup or move it aside',
          cause: err,
        },
      );
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreError(
        'GT_STORE_UNAVAILABLE',
        `cannot use the store ${file} while ${what}: ${message}`,
        {
          hint: 'check that the file and its folder exist and belong to you',
          cause: err,
        },
      );
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return new StoreError('GT_STORE_FULL', `the disk holding ${file} is full while ${what}`, {
        cause: err,
      });
    default:
      return new StoreError('GT_STORE_ERROR', `store error while ${what}: ${message}`, {
        cause: err,
      });
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
