// PostgreSQL for a test file: the server named by GT_TEST_DATABASE_URL, else a throwaway
// cluster of its own (started before the file's tests, stopped after them). Each test then
// gets a fresh schema or database, dropped when it finishes, pass or fail.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import type { Cluster } from './postgres-cluster.js';
import { startCluster } from './postgres-cluster.js';
import { tempPrefix } from './names.js';

export interface PgServer {
  /** Admin URL of the server (database postgres or the one GT_TEST_DATABASE_URL names). */
  readonly url: string;
  /** A schema name no other test uses; the schema is dropped after the current test. */
  freshSchema(): string;
  /** A new empty database; its URL. Dropped (connections and all) after the current test. */
  freshDatabase(): Promise<string>;
}

/** Runs one statement as the server's admin. */
export async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function uniqueName(): string {
  return `gtt_${randomBytes(6).toString('hex')}`;
}

/** Starts a private cluster for this file (stopped after it); the caller may restart it. */
export function usePrivateCluster(): { readonly cluster: Cluster } {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ prefix: `${tempPrefix()}pg-` });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return {
    get cluster(): Cluster {
      if (cluster === undefined) throw new Error('the PostgreSQL cluster did not start');
      return cluster;
    },
  };
}

export function usePostgres(): PgServer {
  const external = process.env.GT_TEST_DATABASE_URL;
  const own = external ? undefined : usePrivateCluster();
  const url = (): string => external ?? own?.cluster.url ?? '';
  return {
    get url() {
      return url();
    },
    freshSchema() {
      const schema = uniqueName();
      onTestFinished(async () => {
        await adminQuery(url(), `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      });
      return schema;
    },
    async freshDatabase() {
      const name = uniqueName();
      await adminQuery(url(), `CREATE DATABASE ${name}`);
      onTestFinished(async () => {
        await adminQuery(url(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
      const dbUrl = new URL(url());
      dbUrl.pathname = `/${name}`;
      return dbUrl.href;
    },
  };
}

/** A town's settings file as written (to see what gt install/store migrate put there). */
export function settingsOf(root: string): { store?: { url?: string } } {
  return JSON.parse(readFileSync(join(root, 'settings', 'config.json'), 'utf8')) as {
    store?: { url?: string };
  };
}

/** Runs `fn` with a PostgresStore on `url`, closed afterwards. */
export async function withPg<T>(url: string, fn: (store: PostgresStore) => Promise<T>): Promise<T> {
  const store = await PostgresStore.open(url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
