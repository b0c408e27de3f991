import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openSqlite } from '../../src/store/sqlite/driver.js';
import { MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { STATEMENTS } from '../../src/store/sqlite/statements.js';
import { StoreError } from '../../src/errors.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import { mail, storeSuite } from './store-suite.js';
import { usageSuite } from './usage-suite.js';

storeSuite('sqlite', () =>
  Promise.resolve(SqliteStore.open(join(tempDir('store'), '.gt', 'town.db'))),
);
usageSuite('sqlite', () =>
  Promise.resolve(SqliteStore.open(join(tempDir('store'), '.gt', 'town.db'))),
);

describe('sqlite specifics', () => {
  it('prompts under way are found by the partial index, not by reading every prompt ever sent', async () => {
    const file = join(tempDir('store'), 'town.db');
    const store = SqliteStore.open(file);
    await store.close();
    const db = openSqlite(file, {});
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${STATEMENTS.listPendingNudges}`)
      .all({ to: null, statuses: '["queued"]', limit: -1 }) as Array<{ detail: string }>;
    db.close();
    expect(plan.map((p) => p.detail)).toContain('SCAN nudges USING INDEX nudges_pending');
  });

  it('a store of schema 4 is brought up to date: typed nudges seen when typed, outcomes split from their reasons', async () => {
    const file = join(tempDir('store'), 'town.db');
    const old = openSqlite(file, {});
    for (const [i, sql] of MIGRATIONS.slice(0, 4).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${i + 1}`);
    }
    const insert = old.prepare(
      `INSERT INTO nudges (id, to_addr, from_addr, text, created_at, status, attempts, session,
        typed_at, updated_at) VALUES (?, 'mayor', 'mayor', ?, 1, ?, ?, ?, ?, 1)`,
    );
    insert.run('gn-a', 'typed one', 'typed', 1, 'gt-mayor', 5);
    insert.run('gn-b', 'queued one', 'queued', 0, null, null);
    const settled = old.prepare(
      `INSERT INTO messages (id, from_addr, to_addr, subject, body, priority, type, created_at,
        status, outcome) VALUES (?, 'mayor', 'deacon', 's', 'b', 'normal', 'lifecycle', 1, 'done', ?)`,
    );
    settled.run('gm-a', 'rejected: too old: sent 3601 s ago');
    settled.run('gm-b', 'done');
    old.close();
    const store = SqliteStore.open(file);
    expect(await store.getNudge('gn-a')).toMatchObject({ status: 'typed', typedAt: 5, seenAt: 5 });
    expect(await store.getNudge('gn-b')).toMatchObject({ status: 'queued', seenAt: null });
    // Migration 7: how a request ended and why, apart.
    expect(await store.getMessage('gm-a')).toMatchObject({
      outcome: 'rejected',
      outcomeReason: 'too old: sent 3601 s ago',
    });
    expect(await store.getMessage('gm-b')).toMatchObject({ outcome: 'done', outcomeReason: null });
    const next = await store.enqueueNudge({ to: 'mayor', from: 'mayor', text: 'after' });
    expect(next.seq).toBeGreaterThan((await store.getNudge('gn-b'))?.seq ?? Infinity);
    await store.close();
    // The store as it was, copied before the migration: private, still schema 4, its rows there.
    const copy = `${file}.v4.bak`;
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    const kept = openSqlite(copy, { readonly: true });
    expect(kept.pragma('user_version', { simple: true })).toBe(4);
    expect(kept.prepare('SELECT count(*) AS n FROM nudges').get()).toEqual({ n: 2 });
    kept.close();
  });

  it('creates the database private to its owner (0600 file, 0700 folder)', async () => {
    const file = join(tempDir('store'), '.gt', 'town.db');
    const store = SqliteStore.open(file);
    await store.sendMessage(mail());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    await store.close();
  });

  it('a town removed under a running gt is not made again: a clear error, nothing created', () => {
    const gone = join(tempDir('removed'), 'town');
    expect(() => SqliteStore.open(join(gone, '.gt', 'town.db'))).toThrow(StoreError);
    expect(existsSync(gone)).toBe(false);
  });

  it('refuses a file that is not a database, and leaves it alone', () => {
    const file = join(tempDir('store'), 'town.db');
    writeFileSync(
      file,
      'this is not sqlite, just text that happens to be long enough to look like a page'.repeat(20),
    );
    const before = statSync(file).size;
    expect(() => SqliteStore.open(file)).toThrow(
      expect.objectContaining({ code: 'GT_STORE_CORRUPT' }) as Error,
    );
    expect(statSync(file).size).toBe(before);
  });

  it('refuses a schema newer than it knows', async () => {
    const file = join(tempDir('store'), 'town.db');
    await SqliteStore.open(file).close();
    execFileSync('sqlite3', [file, 'PRAGMA user_version = 99;']);
    expect(() => SqliteStore.open(file)).toThrow(
      expect.objectContaining({ code: 'GT_STORE_TOO_NEW' }) as Error,
    );
  });

  it('a store locked by another process beyond the busy timeout is a clear, typed error', async () => {
    const file = join(tempDir('store'), 'town.db');
    await SqliteStore.open(file).close();
    // A real second process holds the write lock.
    const holder = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      holder.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
      let out = '';
      holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the lock holder', () => out.includes('locked'));
      const store = SqliteStore.open(file, { busyTimeoutMs: 100 });
      await expect(store.sendMessage(mail())).rejects.toSatisfy(
        (e: unknown) => e instanceof StoreError && e.code === 'GT_STORE_BUSY',
      );
      await store.close();
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('two connections migrating the same new file both succeed', async () => {
    const file = join(tempDir('store'), 'town.db');
    const a = SqliteStore.open(file);
    const b = SqliteStore.open(file);
    await a.sendMessage(mail());
    expect((await b.listInbox('alpha/crew/max')).length).toBe(1);
    expect(a.integrityCheck()).toBe('ok');
    await a.close();
    await b.close();
  });
});
