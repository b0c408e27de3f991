// The open SQLite file as the query groups (mail.ts, events.ts, agents.ts, nudges.ts) use it:
// statements prepared once and cached, and synchronous calls turned into typed promises.
import type BetterSqlite3 from 'better-sqlite3';
import { storeError } from './errors.js';
import type { StatementName } from './statements.js';
import { STATEMENTS } from './statements.js';

export class SqliteDb {
  private readonly statements = new Map<StatementName, BetterSqlite3.Statement>();
  /** UPDATEs built from the keys a patch sets: a handful of shapes, each prepared once. */
  private readonly patchStatements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    readonly file: string,
    private readonly db: BetterSqlite3.Database,
    readonly now: () => number,
  ) {}

  stmt(name: StatementName): BetterSqlite3.Statement {
    let statement = this.statements.get(name);
    if (statement === undefined) {
      statement = this.db.prepare(STATEMENTS[name]);
      this.statements.set(name, statement);
    }
    return statement;
  }

  patchStatement(sql: string): BetterSqlite3.Statement {
    let statement = this.patchStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.patchStatements.set(sql, statement);
    }
    return statement;
  }

  /** Runs a synchronous database call, as a promise: store errors become rejections, typed. */
  run<T>(what: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeError(err, this.file, what));
    }
  }

  /** Runs `fn` in one transaction (for batches: one commit instead of one per statement). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Runs `fn` in a transaction that takes the write lock at once (BEGIN IMMEDIATE). */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  integrityCheck(): string {
    const row = this.db.prepare('PRAGMA integrity_check').get() as { integrity_check: string };
    return row.integrity_check;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
