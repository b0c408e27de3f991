// The connection plumbing of the PostgreSQL store: the pool, retries while the server restarts,
// named statements, and a transaction on one connection. The queries live in mail.ts and siblings.
import pg from 'pg';
import { sleep } from '../../util/wait.js';
import type { Row } from '../rows.js';
import { isConnectionError, isTransientConnectError, pgStoreError } from './errors.js';
import { migrate } from './migrate.js';
import type { StatementName } from './statements.js';
import { STATEMENTS } from './statements.js';

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

/** What the query groups (mail.ts, events.ts, agents.ts, nudges.ts) need: statements and a clock. */
export interface PgDb {
  query(name: StatementName, values: unknown[], what: string): Promise<Row[]>;
  /** How many rows the statement changed. */
  count(name: StatementName, values: unknown[], what: string): Promise<number>;
  now(): number;
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

export class PgPool implements PgDb {
  readonly clientConfig: pg.ClientConfig;
  readonly now: () => number;
  /** Set by the store's close: connecting stops retrying at once. */
  closed = false;
  private readonly pool: pg.Pool;
  private readonly retryMs: number;

  constructor(
    href: string,
    private readonly where: string,
    opts: PostgresStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.retryMs = opts.retryMs ?? 3_000;
    this.clientConfig = clientConfig(href, opts);
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

  async query(name: StatementName, values: unknown[], what: string): Promise<Row[]> {
    return (await this.run(name, values, what)).rows;
  }

  async count(name: StatementName, values: unknown[], what: string): Promise<number> {
    return (await this.run(name, values, what)).rowCount ?? 0;
  }

  /** Applies missing migrations; returns the schema the tables live in. */
  async migrate(schema: string | undefined): Promise<string> {
    const client = await this.connect('opening the store');
    try {
      const opts = { schema: schema ?? '', where: this.where, now: this.now() };
      const schemaName = await migrate(client, opts);
      client.release();
      return schemaName;
    } catch (err) {
      // A connection left mid-transaction is not given back to the pool.
      client.release(isConnectionError(err) ? (err as Error) : true);
      throw pgStoreError(err, this.where, 'migrating the store');
    }
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

  end(): Promise<void> {
    return this.pool.end();
  }
}

function clientConfig(href: string, opts: PostgresStoreOptions): pg.ClientConfig {
  const statementTimeout = opts.statementTimeoutMs ?? 30_000;
  return {
    connectionString: href,
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
}
