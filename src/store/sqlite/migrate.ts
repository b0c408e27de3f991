// Opening the SQLite file (born private) and bringing its schema up to date: numbered
// migrations, the version in PRAGMA user_version, a newer store refused.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../../errors.js';
import type { SqliteDatabase } from './driver.js';
import { openSqlite } from './driver.js';
import { storeError } from './errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export function openDatabase(file: string, busyTimeoutMs: number): BetterSqlite3.Database {
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

/**
 * Creates the file ourselves so it is born private; SQLite gives -wal and -shm the same mode.
 * Only its own folder is made: a town removed under a running gt is not made again.
 */
function createPrivateFile(file: string): void {
  try {
    if (!existsSync(dirname(file))) mkdirSync(dirname(file), { mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch (err) {
    throw storeError(err, file, 'creating the store');
  }
}

/** Where a store of schema `version` is copied before it is migrated past it. */
export function backupFile(file: string, version: number): string {
  return `${file}.v${version}.bak`;
}

/**
 * A consistent copy of the store as it is (VACUUM INTO), private, before a migration changes
 * it: an upgrade that goes wrong can be undone by putting it back with the older gt. Kept if
 * it exists already (two processes migrating at once: the first copy is the older one).
 */
function backUp(db: BetterSqlite3.Database, file: string, version: number): void {
  const copy = backupFile(file, version);
  if (existsSync(copy)) return;
  try {
    db.prepare('VACUUM INTO ?').run(copy);
    chmodSync(copy, 0o600);
  } catch (err) {
    throw storeError(err, file, `copying the store to ${copy} before migrating it`);
  }
}

/** The schema version of a store file, read without changing it; undefined if unreadable. */
export function schemaVersionOf(db: BetterSqlite3.Database): number | undefined {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch {
    return undefined;
  }
}

export function migrate(db: BetterSqlite3.Database, file: string): void {
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
  if (version > 0) backUp(db, file, version);
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
