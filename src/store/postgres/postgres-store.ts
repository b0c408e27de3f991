// The shared Store: PostgreSQL through node-postgres, for towns that span machines.
// Same semantics as the SQLite backend; claims skip rows other daemons hold (SKIP LOCKED),
// and mail to the deacon is announced with NOTIFY. All SQL is in statements.ts.
import pg from 'pg';
import { StoreError } from '../../errors.js';
import { messageIdFloor, newMessageId, newNudgeId } from '../ids.js';
import { sleep } from '../../util/wait.js';
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
  Unsubscribe,
  WakeChannel,
} from '../store.js';
import { NEVER } from '../store.js';
import { isConnectionError, isTransientConnectError, pgStoreError } from './errors.js';
import { Listener } from './listener.js';
import {
  AGENT_FIELDS,
  NEW_MESSAGE_STATE,
  NUDGE_FIELDS,
  toAgent,
  toEvent,
  toMessage,
  toNudge,
} from '../rows.js';
import type { Row } from '../rows.js';
import { migrate } from './migrate.js';
import { DEACON_CHANNEL } from './schema.js';
import type { StatementName } from './statements.js';
import { STATEMENTS } from './statements.js';
import { parseStoreUrl } from './url.js';

export interface PostgresStoreOptions {
  /** Schema for the tables, created if missing; default: the first of the connection's search_path. */
  schema?: string;
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Server-side limit of one statement (default 30 s). */
  statementTimeoutMs?: number;
  /** How long a statement waits for a row lock before GT_STORE_BUSY (default 5 s). */
  lockTimeoutMs?: number;
  /** How long to keep retrying while the server refuses connections, e.g. restarting (default 3 s). */
  retryMs?: number;
  /** Connections in the pool (default 4). */
  poolSize?: number;
  /** How often an idle wake-up connection checks that its server is still there (default 15 s). */
  pingMs?: number;
  now?: () => number;
}

/** BIGINT columns hold milliseconds and sequence numbers: well inside a double's exact range. */
const INT8_OID = 20;
const parseInt8 = (value: string): number => Number(value);
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format),
};

/** Reads that may be sent again on a fresh connection when the first one broke under them. */
const READS = new Set<StatementName>([
  'getMessage',
  'inbox',
  'thread',
  'countUnread',
  'countByStatus',
  'nextDue',
  'listByStatus',
  'listEvents',
  'listEventsNewest',
  'getAgent',
  'listAgents',
]);

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  /** The URL without its password. */
  readonly where: string;
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;
  private readonly now: () => number;
  private readonly retryMs: number;
  private readonly pingMs: number;
  private readonly listeners = new Set<Listener>();
  private schemaName = '';
  private closed = false;

  private constructor(url: string, opts: PostgresStoreOptions) {
    const parsed = parseStoreUrl(url, opts.schema);
    this.where = parsed.redacted;
    this.now = opts.now ?? Date.now;
    this.retryMs = opts.retryMs ?? 3_000;
    this.pingMs = opts.pingMs ?? 15_000;
    const statementTimeout = opts.statementTimeoutMs ?? 30_000;
    this.clientConfig = {
      connectionString: parsed.href,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      statement_timeout: statementTimeout,
      lock_timeout: opts.lockTimeoutMs ?? 5_000,
      idle_in_transaction_session_timeout: 60_000,
      // The client's own limit, for a server that stops answering altogether.
      query_timeout: statementTimeout + 5_000,
      application_name: 'gastown',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      types: TYPES,
    };
    this.pool = new pg.Pool({
      ...this.clientConfig,
      max: opts.poolSize ?? 4,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    // An idle connection the server drops (a restart) is discarded by the pool; nothing to do.
    this.pool.on('error', () => undefined);
    // A connection can also die while checked out between statements (a query queued behind
    // the Sync of a failed one): its queries fail and are handled, but the client emits
    // 'error' too, which must not become an uncaught exception.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** Connects, applies missing migrations, and refuses a schema newer than this code. */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, opts);
    try {
      await store.migrate(opts.schema);
    } catch (err) {
      await store.pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  /** The schema the tables live in. */
  get schema(): string {
    return this.schemaName;
  }

  private async connect(what: string): Promise<pg.PoolClient> {
    const deadline = Date.now() + this.retryMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await this.pool.connect();
      } catch (err) {
        if (this.closed || !isTransientConnectError(err) || Date.now() + delay > deadline)
          throw pgStoreError(err, this.where, what);
        await sleep(delay);
      }
    }
  }

  /** Runs one named statement; a connection that breaks under a read is replaced once. */
  private async run(
    name: StatementName,
    values: unknown[],
    what: string,
  ): Promise<pg.QueryResult<Row>> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect(what);
      try {
        const text = STATEMENTS[name];
        const result = await client.query<Row>({ name: `gt_${name}`, text, values });
        client.release();
        return result;
      } catch (err) {
        const broken = isConnectionError(err);
        client.release(broken ? (err as Error) : undefined);
        if (broken && attempt === 0 && READS.has(name)) continue;
        throw pgStoreError(err, this.where, what);
      }
    }
  }

  private async query(name: StatementName, values: unknown[], what: string): Promise<Row[]> {
    return (await this.run(name, values, what)).rows;
  }

  /** How many rows the statement changed. */
  private async count(name: StatementName, values: unknown[], what: string): Promise<number> {
    return (await this.run(name, values, what)).rowCount ?? 0;
  }

  private async migrate(schema: string | undefined): Promise<void> {
    const client = await this.connect('opening the store');
    try {
      const opts = { schema: schema ?? '', where: this.where, now: this.now() };
      this.schemaName = await migrate(client, opts);
      client.release();
    } catch (err) {
      // A connection left mid-transaction is not given back to the pool.
      client.release(isConnectionError(err) ? (err as Error) : true);
      throw pgStoreError(err, this.where, 'migrating the store');
    }
  }

  async sendMessage(msg: NewMessage): Promise<Message> {
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
    };
    // The row's fields are in the statement's column order.
    const values = [...Object.values(row), msg.senderVerified];
    const [inserted] = await this.query('insertMessage', values, 'saving the message');
    // Built here rather than read back: the row is exactly what was inserted plus defaults.
    const seq = inserted?.seq as number;
    return { ...row, seq, senderVerified: msg.senderVerified, ...NEW_MESSAGE_STATE };
  }

  async getMessage(id: string): Promise<Message | undefined> {
    const [row] = await this.query('getMessage', [id], 'reading a message');
    return row === undefined ? undefined : toMessage(row);
  }

  async listInbox(to: string, opts: InboxOptions = {}): Promise<Message[]> {
    const params = [to, opts.limit ?? null, opts.all === true, opts.unreadOnly === true];
    return (await this.query('inbox', params, 'reading the inbox')).map(toMessage);
  }

  async listThread(threadId: string): Promise<Message[]> {
    return (await this.query('thread', [threadId], 'reading a thread')).map(toMessage);
  }

  async closeMessage(id: string, outcome: string, now: number): Promise<boolean> {
    return (await this.count('closeMessage', [id, outcome, now], 'closing a message')) > 0;
  }

  async countUnread(to: string): Promise<number> {
    const [row] = await this.query('countUnread', [to], 'counting mail');
    return row?.n as number;
  }

  async markRead(id: string, read: boolean): Promise<boolean> {
    return (await this.count('markRead', [read, id], 'marking mail read')) > 0;
  }

  async deleteMessage(id: string): Promise<boolean> {
    return (await this.count('deleteMessage', [id], 'deleting mail')) > 0;
  }

  purgeMessages(before: number): Promise<number> {
    return this.count('purge', [messageIdFloor(before), before, NEVER], 'purging mail');
  }

  async claimMessages(opts: ClaimOptions): Promise<Message[]> {
    const rows = await this.query(
      'claim',
      [
        opts.to,
        opts.owner,
        opts.host,
        opts.now,
        opts.now + opts.leaseMs,
        opts.limit,
        opts.takeOverHost === true,
        opts.onlyOwnHostAgents === true,
      ],
      'claiming requests',
    );
    return rows.map(toMessage).sort((a, b) => a.seq - b.seq);
  }

  async settleMessage(
    id: string,
    owner: string,
    settlement: Settlement,
    now: number,
  ): Promise<boolean> {
    const what = 'settling a request';
    switch (settlement.kind) {
      case 'done':
        return (await this.count('settleDone', [id, owner, settlement.outcome, now], what)) > 0;
      case 'dead':
        return (await this.count('settleDead', [id, owner, settlement.error, now], what)) > 0;
      case 'retry': {
        const values = [id, owner, settlement.error, settlement.nextAttemptAt];
        return (await this.count('settleRetry', values, what)) > 0;
      }
      case 'mail':
        return (await this.count('settleMail', [id, owner, settlement.outcome, NEVER], what)) > 0;
    }
  }

  releaseClaims(owner: string): Promise<number> {
    return this.count('release', [owner], 'releasing claims');
  }

  async countByStatus(to: string): Promise<MessageCounts> {
    const rows = await this.query('countByStatus', [to, NEVER], 'counting requests');
    const counts: MessageCounts = { open: 0, claimed: 0, done: 0, dead: 0 };
    for (const row of rows) counts[row.status as MessageStatus] = row.n as number;
    return counts;
  }

  async nextDueAt(to: string, opts?: DueOptions): Promise<number | null> {
    const values = [to, opts?.host ?? '', opts?.onlyOwnHostAgents === true, NEVER];
    const [row] = await this.query('nextDue', values, 'reading due requests');
    return (row?.t as number | null | undefined) ?? null;
  }

  async listByStatus(to: string, status: MessageStatus, limit: number): Promise<Message[]> {
    const rows = await this.query('listByStatus', [to, status, limit], 'listing requests');
    return rows.map(toMessage);
  }

  async recordEvent(event: NewEvent): Promise<StoredEvent> {
    const [row] = await this.query(
      'insertEvent',
      [
        event.ts ?? this.now(),
        event.kind,
        event.identity ?? null,
        event.messageId ?? null,
        event.requestId ?? null,
        event.action ?? null,
        event.outcome ?? null,
        event.reason ?? null,
        event.durationMs ?? null,
        event.data == null ? null : JSON.stringify(event.data),
      ],
      'recording an event',
    );
    return toEvent(row ?? {});
  }

  async listEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    const values = [
      query.sinceTs ?? 0,
      query.afterSeq ?? 0,
      query.limit ?? null,
      query.identity ?? null,
    ];
    const which = query.newest === true ? 'listEventsNewest' : 'listEvents';
    return (await this.query(which, values, 'reading events')).map(toEvent);
  }

  purgeEvents(before: number): Promise<number> {
    return this.count('purgeEvents', [before], 'purging events');
  }

  async getAgent(identity: string): Promise<AgentRecord | undefined> {
    const [row] = await this.query('getAgent', [identity], 'reading an agent');
    return row === undefined ? undefined : toAgent(row);
  }

  async patchAgent(identity: string, patch: AgentPatch): Promise<AgentRecord> {
    // Keys present in the patch are set, even to undefined (as NULL), as in the SQLite backend.
    const columns: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(AGENT_FIELDS)) {
      if (!(key in patch)) continue;
      const value = patch[key as keyof AgentPatch];
      columns[column] = key === 'restarts' ? (value ?? []) : (value ?? null);
    }
    const [row] = await this.query(
      'patchAgent',
      [identity, JSON.stringify(columns), this.now()],
      'saving an agent',
    );
    return toAgent(row ?? {});
  }

  async enqueueNudge(nudge: NewNudge): Promise<Nudge> {
    const createdAt = nudge.createdAt ?? this.now();
    const values = [newNudgeId(createdAt), nudge.to, nudge.from, nudge.text, createdAt];
    const [row] = await this.query('insertNudge', values, 'queueing a nudge');
    return toNudge(row ?? {});
  }

  async getNudge(id: string): Promise<Nudge | undefined> {
    const [row] = await this.query('getNudge', [id], 'reading a nudge');
    return row === undefined ? undefined : toNudge(row);
  }

  async listNudges(query: NudgeQuery = {}): Promise<Nudge[]> {
    const values = [query.to ?? null, query.statuses ?? null, query.limit ?? null];
    return (await this.query('listNudges', values, 'listing nudges')).map(toNudge);
  }

  async updateNudge(
    id: string,
    from: readonly NudgeStatus[],
    patch: NudgePatch,
    now: number,
  ): Promise<Nudge | undefined> {
    const columns: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(NUDGE_FIELDS))
      if (key in patch) columns[column] = patch[key as keyof NudgePatch] ?? null;
    const values = [id, from, JSON.stringify(columns), now];
    const [row] = await this.query('updateNudge', values, 'updating a nudge');
    return row === undefined ? undefined : toNudge(row);
  }

  purgeNudges(before: number): Promise<number> {
    return this.count('purgeNudges', [before], 'purging nudges');
  }

  async listAgents(): Promise<AgentRecord[]> {
    return (await this.query('listAgents', [], 'listing agents')).map(toAgent);
  }

  async subscribe(
    channel: WakeChannel,
    onWake: () => void,
    onError?: (err: Error) => void,
  ): Promise<Unsubscribe> {
    if (channel !== 'deacon')
      throw new StoreError('GT_STORE_ERROR', `no wake-ups for ${String(channel)}`);
    if (this.closed) throw new StoreError('GT_STORE_CLOSED', `the store ${this.where} is closed`);
    const listener = new Listener({
      config: this.clientConfig,
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
  async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect(what);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(isConnectionError(err) ? (err as Error) : undefined);
      throw pgStoreError(err, this.where, what);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((l) => l.stop()));
    this.listeners.clear();
    await this.pool.end();
  }
}
