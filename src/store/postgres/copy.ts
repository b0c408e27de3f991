// `gt store migrate`: a town's SQLite store copied whole into PostgreSQL in one transaction,
// ids and sequence numbers kept, and checked by counting both sides before it commits.
import type { SqliteDatabase } from '../sqlite/driver.js';
import { openSqlite } from '../sqlite/driver.js';
import { StoreError } from '../../errors.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { PostgresStore } from './postgres-store.js';
import type { Row } from '../rows.js';
import type { StatementName } from './statements.js';
import { STATEMENTS } from './statements.js';

export interface TableCounts {
  messages: number;
  events: number;
  agents: number;
}

/** What is read from the SQLite file: every row, in sequence order. */
const SOURCE = {
  messages: `SELECT * FROM messages ORDER BY seq`,
  events: `SELECT * FROM events ORDER BY seq`,
  agents: `SELECT * FROM agents ORDER BY identity`,
  counts: `SELECT (SELECT count(*) FROM messages) AS messages,
    (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM agents) AS agents`,
} as const;

const TABLES = [
  { table: 'messages', insert: 'importMessages', convert: messageRow },
  { table: 'events', insert: 'importEvents', convert: eventRow },
  { table: 'agents', insert: 'importAgents', convert: agentRow },
] as const satisfies ReadonlyArray<{
  table: keyof TableCounts;
  insert: StatementName;
  convert: (row: Row) => Row;
}>;

/** Rows per INSERT, and a cap on one batch's JSON (bodies may be 64 KiB each). */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

export interface CopyOptions {
  /** Empty a target that already holds mail, events or agents (else it is refused). */
  force: boolean;
}

export async function copySqliteToPostgres(
  sqliteFile: string,
  url: string,
  opts: CopyOptions,
): Promise<TableCounts> {
  // Opening through the store first brings an older file up to the current schema.
  await SqliteStore.open(sqliteFile).close();
  const source = openReadOnly(sqliteFile);
  let target: PostgresStore | undefined;
  try {
    const expected = source.prepare(SOURCE.counts).get() as TableCounts;
    target = await PostgresStore.open(url);
    const where = target.where;
    return await target.transaction('copying the town', async (client) => {
      const [present] = (await client.query<TableCounts>(STATEMENTS.tableCounts)).rows;
      if (present !== undefined && present.messages + present.events + present.agents > 0) {
        if (!opts.force) throw notEmpty(where, present);
        await client.query(STATEMENTS.emptyTables);
      }
      for (const { table, insert, convert } of TABLES) {
        for (const batch of batches(source.prepare(SOURCE[table]).iterate() as Iterable<Row>))
          await client.query(STATEMENTS[insert], [JSON.stringify(batch.map(convert))]);
      }
      await client.query(STATEMENTS.resetSequences);
      const [copied] = (await client.query<TableCounts>(STATEMENTS.tableCounts)).rows;
      checkCounts(expected, copied);
      return expected;
    });
  } finally {
    source.close();
    await target?.close();
  }
}

function openReadOnly(file: string): SqliteDatabase {
  return openSqlite(file, { readonly: true, fileMustExist: true });
}

function* batches(rows: Iterable<Row>): Generator<Row[]> {
  let batch: Row[] = [];
  let bytes = 0;
  for (const row of rows) {
    batch.push(row);
    bytes += typeof row.body === 'string' ? row.body.length * 3 : 256;
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

function notEmpty(where: string, present: TableCounts): StoreError {
  return new StoreError(
    'GT_STORE_NOT_EMPTY',
    `the store ${where} already holds ${present.messages} messages, ${present.events} events and ${present.agents} agents`,
    { hint: 'choose an empty database, or pass --force to replace what it holds' },
  );
}

function checkCounts(expected: TableCounts, copied: TableCounts | undefined): void {
  const wrong = (['messages', 'events', 'agents'] as const).filter(
    (t) => copied?.[t] !== expected[t],
  );
  if (wrong.length === 0) return;
  const detail = wrong.map((t) => `${t}: ${expected[t]} in SQLite, ${copied?.[t]} copied`);
  throw new StoreError('GT_STORE_COPY_MISMATCH', `the copy was rolled back: ${detail.join('; ')}`);
}

const bool = (value: unknown): boolean => value === 1;
const json = (value: unknown): unknown =>
  typeof value === 'string' ? (JSON.parse(value) as unknown) : null;

function messageRow(row: Row): Row {
  return { ...row, read: bool(row.read), sender_verified: bool(row.sender_verified) };
}

function eventRow(row: Row): Row {
  return { ...row, data: json(row.data) };
}

function agentRow(row: Row): Row {
  return {
    ...row,
    session_confirmed: bool(row.session_confirmed),
    restarts: json(row.restarts) ?? [],
  };
}
