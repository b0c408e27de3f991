// Agents' spend on SQLite: entries and the cursor that says how far their file was read, in one
// transaction, so a reader that dies between the two neither loses nor doubles a reply.
import type { Row } from '../rows.js';
import type { UsageCursor, UsageEntry, UsageQuery, UsageSum } from '../usage.js';
import { cursorValues, toUsageCursor, toUsageSum, usageValues } from '../usage.js';
import type { SqliteDb } from './database.js';

export function recordUsage(
  db: SqliteDb,
  cursor: UsageCursor,
  entries: readonly UsageEntry[],
): Promise<number> {
  return db.run('recording usage', () =>
    db.immediate(() => {
      let added = 0;
      for (const e of entries) added += db.stmt('insertUsage').run(...usageValues(e)).changes;
      db.stmt('upsertUsageCursor').run(...cursorValues(cursor));
      return added;
    }),
  );
}

export function getUsageCursor(db: SqliteDb, path: string): Promise<UsageCursor | undefined> {
  return db.run('reading a usage cursor', () => {
    const row = db.stmt('getUsageCursor').get(path) as Row | undefined;
    return row === undefined ? undefined : toUsageCursor(row);
  });
}

export function listUsageCursors(db: SqliteDb, since: number): Promise<UsageCursor[]> {
  return db.run('listing usage cursors', () =>
    (db.stmt('listUsageCursors').all(since) as Row[]).map(toUsageCursor),
  );
}

export function sumUsage(db: SqliteDb, query: UsageQuery): Promise<UsageSum[]> {
  const params = {
    since: query.since ?? 0,
    until: query.until ?? Number.MAX_SAFE_INTEGER,
    identity: query.identity ?? null,
  };
  return db.run('summing usage', () => (db.stmt('sumUsage').all(params) as Row[]).map(toUsageSum));
}
