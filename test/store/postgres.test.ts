// The shared store suite against a real PostgreSQL (a schema per test), and what only the
// PostgreSQL backend has: migrations in a table, typed connection and lock errors,
// SKIP LOCKED claims between processes, and LISTEN/NOTIFY wake-ups.
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/schema.js';
import { parseStoreUrl } from '../../src/store/postgres/url.js';
import type { Store } from '../../src/store/store.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import { findPgBin } from '../helpers/postgres-cluster.js';
import { adminQuery, usePostgres } from '../helpers/postgres.js';
import { mail, storeSuite } from './store-suite.js';
import { usageSuite } from './usage-suite.js';

const server = usePostgres();

storeSuite('postgres', () => PostgresStore.open(server.url, { schema: server.freshSchema() }));
usageSuite('postgres', () => PostgresStore.open(server.url, { schema: server.freshSchema() }));

async function withPg<T>(
  fn: (store: PostgresStore) => Promise<T>,
  opts: PostgresStoreOptions = {},
): Promise<T> {
  const store = await PostgresStore.open(server.url, { schema: server.freshSchema(), ...opts });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const isStoreError = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

describe('postgres: the test server', () => {
  it('without initdb and pg_ctl the suite fails, saying what to install', () => {
    expect(() => findPgBin([tempDir('no-pg')])).toThrow(/initdb.*pg_ctl[^]*apt-get install/);
    expect(findPgBin()).toMatch(/bin$/);
  });
});

describe('postgres: schema and migrations', () => {
  it('records the schema version in a table, and a second open changes nothing', async () => {
    const schema = server.freshSchema();
    const store = await PostgresStore.open(server.url, { schema });
    await store.sendMessage(mail());
    await store.close();
    const again = await PostgresStore.open(server.url, { schema });
    expect((await again.listInbox('alpha/crew/max')).length).toBe(1);
    await again.close();
    const rows = await adminQuery(server.url, `SELECT version FROM ${schema}.gt_migrations`);
    expect(rows.rows.map((r: { version: number }) => r.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
  });

  it('refuses a schema newer than it knows, and leaves it alone', async () => {
    const schema = server.freshSchema();
    await (await PostgresStore.open(server.url, { schema })).close();
    await adminQuery(server.url, `INSERT INTO ${schema}.gt_migrations VALUES (99, 0)`);
    await expect(PostgresStore.open(server.url, { schema })).rejects.toSatisfy(
      (e: unknown) =>
        isStoreError('GT_STORE_TOO_NEW')(e) && /version 99/.test((e as Error).message),
    );
    const rows = await adminQuery(
      server.url,
      `SELECT max(version) AS v FROM ${schema}.gt_migrations`,
    );
    expect(rows.rows[0]).toEqual({ v: 99 });
  });

  it('several processes migrating the same new schema at once all succeed', async () => {
    const schema = server.freshSchema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresStore.open(server.url, { schema })),
    );
    try {
      await stores[0]?.sendMessage(mail());
      expect((await stores[3]?.listInbox('alpha/crew/max'))?.length).toBe(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('a URL without a schema uses the connection’s search_path', async () => {
    const url = await server.freshDatabase();
    const store = await PostgresStore.open(url);
    expect(store.schema).toBe('public');
    await store.sendMessage(mail());
    await store.close();
  });
});

describe('postgres: errors are typed and never show the password', () => {
  it('a bad URL is bad input', () => {
    for (const url of ['mysql://x@h/db', 'not a url', 'postgres://h', 'postgres://u@h:99999/db'])
      expect(() => parseStoreUrl(url)).toThrow(
        expect.objectContaining({ code: 'GT_BAD_STORE_URL', exitCode: 2 }) as Error,
      );
    expect(() => parseStoreUrl(server.url, 'Bad-Schema')).toThrow(/schema/);
  });

  it('nothing listening: GT_STORE_UNAVAILABLE, quickly', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const started = Date.now();
    await expect(
      PostgresStore.open(`postgres://u:sekrit@127.0.0.1:${port}/db`, { retryMs: 200 }),
    ).rejects.toSatisfy(
      (e: unknown) =>
        isStoreError('GT_STORE_UNAVAILABLE')(e) &&
        !(e as Error).message.includes('sekrit') &&
        (e as StoreError).hint !== undefined,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a wrong password or a missing database: GT_STORE_UNAVAILABLE', async () => {
    const wrong = new URL(server.url);
    wrong.password = 'not-the-password';
    await expect(PostgresStore.open(wrong.href)).rejects.toSatisfy(
      (e: unknown) =>
        isStoreError('GT_STORE_UNAVAILABLE')(e) &&
        /password|refused/.test((e as Error).message) &&
        !(e as Error).message.includes('not-the-password'),
    );
    const missing = new URL(server.url);
    missing.pathname = '/gtt_no_such_database';
    await expect(PostgresStore.open(missing.href)).rejects.toSatisfy(
      isStoreError('GT_STORE_UNAVAILABLE'),
    );
  });

  it('a row locked by another transaction beyond the lock timeout: GT_STORE_BUSY', () =>
    withPg(
      async (store) => {
        const msg = await store.sendMessage(mail());
        const holder = new pg.Client({ connectionString: server.url });
        holder.on('error', () => undefined);
        await holder.connect();
        try {
          await holder.query('BEGIN');
          await holder.query(`SELECT 1 FROM ${store.schema}.messages WHERE id = $1 FOR UPDATE`, [
            msg.id,
          ]);
          await expect(store.markRead(msg.id, true)).rejects.toSatisfy(
            isStoreError('GT_STORE_BUSY'),
          );
          await holder.query('ROLLBACK');
          expect(await store.markRead(msg.id, true)).toBe(true);
        } finally {
          await holder.end();
        }
      },
      { lockTimeoutMs: 100 },
    ));
});

describe('postgres: claims between processes', () => {
  it('daemons claiming at once never share a request, and together take them all', async () => {
    const schema = server.freshSchema();
    const stores: Store[] = await Promise.all(
      Array.from({ length: 4 }, () => PostgresStore.open(server.url, { schema })),
    );
    try {
      const first = stores[0] as Store;
      const sent = new Set<string>();
      for (let i = 0; i < 200; i++)
        sent.add((await first.sendMessage(mail({ to: 'deacon', subject: `r${i}` }))).id);
      const claimed = await Promise.all(
        stores.map(async (store, i) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await store.claimMessages({
              to: 'deacon',
              owner: `d${i}`,
              host: 'h',
              now: 100,
              leaseMs: 60_000,
              limit: 7,
            });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((m) => m.id));
          }
        }),
      );
      const all = claimed.flat();
      expect(all.length).toBe(200);
      expect(new Set(all)).toEqual(sent);
      // with four claimers racing, more than one got work: SKIP LOCKED, not one queue
      expect(claimed.filter((c) => c.length > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
  it('a claim skips a row another transaction holds instead of waiting for it', () =>
    withPg(
      async (store) => {
        const ids = [];
        for (let i = 0; i < 3; i++)
          ids.push((await store.sendMessage(mail({ to: 'deacon', subject: `r${i}` }))).id);
        const holder = new pg.Client({ connectionString: server.url });
        holder.on('error', () => undefined);
        await holder.connect();
        try {
          await holder.query('BEGIN');
          await holder.query(`SELECT 1 FROM ${store.schema}.messages WHERE id = $1 FOR UPDATE`, [
            ids[0],
          ]);
          const claimed = await store.claimMessages({
            to: 'deacon',
            owner: 'd1',
            host: 'h',
            now: 100,
            leaseMs: 1_000,
            limit: 10,
          });
          expect(claimed.map((m) => m.id)).toEqual(ids.slice(1));
        } finally {
          await holder.query('ROLLBACK');
          await holder.end();
        }
      },
      { lockTimeoutMs: 200 },
    ));
});

describe('postgres: wake-ups', () => {
  it('new mail to the deacon wakes subscribers of the same schema only, once committed', async () => {
    const schemaA = server.freshSchema();
    const schemaB = server.freshSchema();
    const a = await PostgresStore.open(server.url, { schema: schemaA });
    const b = await PostgresStore.open(server.url, { schema: schemaB });
    try {
      let wakesA = 0;
      let wakesB = 0;
      const stopA = await a.subscribe('deacon', () => (wakesA += 1));
      const stopB = await b.subscribe('deacon', () => (wakesB += 1));
      await a.sendMessage(mail({ to: 'mayor' }));
      await a.sendMessage(mail({ to: 'deacon' }));
      await waitFor('the wake-up', () => wakesA === 1);
      await b.sendMessage(mail({ to: 'deacon' }));
      await waitFor('the other schema’s wake-up', () => wakesB === 1);
      // one more deacon message through A proves the mayor mail and B's mail did not wake A
      await a.sendMessage(mail({ to: 'deacon' }));
      await waitFor('the second wake-up', () => wakesA === 2);
      expect(wakesB).toBe(1);
      await stopA();
      await stopB();
      await a.sendMessage(mail({ to: 'deacon' }));
      await b.sendMessage(mail({ to: 'deacon' }));
      // a fresh subscriber hearing the next message shows the old ones had their chance
      let later = 0;
      const stopLater = await a.subscribe('deacon', () => (later += 1));
      await a.sendMessage(mail({ to: 'deacon' }));
      await waitFor('the new subscriber', () => later === 1);
      await stopLater();
      expect([wakesA, wakesB]).toEqual([2, 1]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('close ends open subscriptions; a closed store takes no new ones', async () => {
    const schema = server.freshSchema();
    const store = await PostgresStore.open(server.url, { schema });
    let wakes = 0;
    await store.subscribe('deacon', () => (wakes += 1));
    const listening = async (): Promise<number> =>
      (
        (
          await adminQuery(
            server.url,
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN gt_deacon'`,
          )
        ).rows[0] as { n: number }
      ).n;
    expect(await listening()).toBeGreaterThanOrEqual(1);
    const before = await listening();
    await store.close();
    expect(await listening()).toBe(before - 1);
    await expect(store.subscribe('deacon', () => undefined)).rejects.toSatisfy(
      isStoreError('GT_STORE_CLOSED'),
    );
    const other = await PostgresStore.open(server.url, { schema });
    await other.sendMessage(mail({ to: 'deacon' }));
    await other.close();
    expect(wakes).toBe(0);
  });
});
