// Agents' spend on PostgreSQL: entries and the cursor that says how far their file was read, in
// one statement, so a reader that dies between the two neither loses nor doubles a reply.
import type { UsageCursor, UsageEntry, UsageQuery, UsageSum } from '../usage.js';
import { cursorValues, toUsageCursor, toUsageSum } from '../usage.js';
import type { PgDb } from './pool.js';

export async function recordUsage(
  db: PgDb,
  cursor: UsageCursor,
  entries: readonly UsageEntry[],
): Promise<number> {
  const rows = entries.map((e) => ({
    key: e.key,
    identity: e.identity,
    at: e.at,
    runtime: e.runtime,
    model: e.model,
    conversation_id: e.conversationId,
    input: e.tokens.input,
    output: e.tokens.output,
    cache_read: e.tokens.cacheRead,
    cache_write: e.tokens.cacheWrite,
  }));
  const values = [...cursorValues(cursor), JSON.stringify(rows)];
  const [row] = await db.query('recordUsage', values, 'recording usage');
  return Number(row?.added ?? 0);
}

export async function getUsageCursor(db: PgDb, path: string): Promise<UsageCursor | undefined> {
  const [row] = await db.query('getUsageCursor', [path], 'reading a usage cursor');
  return row === undefined ? undefined : toUsageCursor(row);
}

export async function listUsageCursors(db: PgDb, since: number): Promise<UsageCursor[]> {
  return (await db.query('listUsageCursors', [since], 'listing usage cursors')).map(toUsageCursor);
}

export async function sumUsage(db: PgDb, query: UsageQuery): Promise<UsageSum[]> {
  const values = [query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER, query.identity ?? null];
  return (await db.query('sumUsage', values, 'summing usage')).map(toUsageSum);
}
