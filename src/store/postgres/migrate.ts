// Bringing a PostgreSQL schema up to this code's version: a quick check on every open, and
// under an advisory lock the missing numbered migrations, each recorded in gt_migrations.
import type pg from 'pg';
import { StoreError } from '../../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { createSchema, STATEMENTS } from './statements.js';

export interface MigrateOptions {
  /** Schema to create and migrate; '' for the connection's own search_path. */
  schema: string;
  /** The store, for messages (a URL without password). */
  where: string;
  now: number;
}

/** Migrates if needed; returns the schema the tables live in. Throws GT_STORE_TOO_NEW. */
export async function migrate(client: pg.PoolClient, opts: MigrateOptions): Promise<string> {
  if (!(await isCurrent(client, opts.where))) await applyMigrations(client, opts);
  const found = await client.query<{ s: string | null }>(STATEMENTS.tableSchema);
  return found.rows[0]?.s ?? '';
}

/** The fast path of every open: is the schema already at this code's version? */
async function isCurrent(client: pg.PoolClient, where: string): Promise<boolean> {
  const present = await client.query<{ present: boolean }>(STATEMENTS.migrationsPresent);
  if (!present.rows[0]?.present) return false;
  const version = await client.query<{ v: number }>(STATEMENTS.schemaVersion);
  return checkVersion(version.rows[0]?.v ?? 0, where) === SCHEMA_VERSION;
}

function checkVersion(version: number, where: string): number {
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'GT_STORE_TOO_NEW',
      `the store ${where} has schema version ${version}, newer than this gt knows (${SCHEMA_VERSION})`,
      { hint: 'upgrade gt; it will not touch a store written by a newer version' },
    );
  }
  return version;
}

async function applyMigrations(client: pg.PoolClient, opts: MigrateOptions): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(STATEMENTS.migrationLock, [opts.schema]);
    if (opts.schema !== '') await client.query(createSchema(opts.schema));
    await client.query(STATEMENTS.migrationsTable);
    // Read under the lock: another process may have migrated meanwhile.
    const result = await client.query<{ v: number }>(STATEMENTS.schemaVersion);
    const from = checkVersion(result.rows[0]?.v ?? 0, opts.where);
    for (let v = from; v < SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v] ?? '');
      await client.query(STATEMENTS.recordMigration, [v + 1, opts.now]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
