// A PostgreSQL server that restarts or goes away under an open store: typed errors while it is
// gone, no reopening needed when it is back, and wake-ups that reconnect by themselves.
// The file runs its own cluster, so restarting it disturbs no other test file.
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { waitFor } from '../helpers/temp.js';
import { adminQuery, usePrivateCluster } from '../helpers/postgres.js';
import { mail } from './store-suite.js';

const pg = usePrivateCluster();
let schemas = 0;

async function open(opts: { retryMs?: number; pingMs?: number } = {}): Promise<PostgresStore> {
  schemas += 1;
  return PostgresStore.open(pg.cluster.url, { schema: `restart_${schemas}`, ...opts });
}

const unavailable = (e: unknown): boolean =>
  e instanceof StoreError && e.code === 'GT_STORE_UNAVAILABLE';

describe('postgres: the server restarts under an open store', () => {
  it('the pool drops the dead connections and carries on, without reopening', async () => {
    const store = await open();
    try {
      const before = await store.sendMessage(mail());
      // several connections in the pool, all cut by the restart
      await Promise.all(Array.from({ length: 4 }, () => store.listInbox('alpha/crew/max')));
      await pg.cluster.restart();
      const after = await store.sendMessage(mail());
      expect((await store.listInbox('alpha/crew/max')).map((m) => m.id)).toEqual([
        after.id,
        before.id,
      ]);
    } finally {
      await store.close();
    }
  });

  it('while the server is down: GT_STORE_UNAVAILABLE after the retry window, not a hang', async () => {
    const store = await open({ retryMs: 300 });
    try {
      await pg.cluster.pause();
      const started = Date.now();
      await expect(store.sendMessage(mail())).rejects.toSatisfy(unavailable);
      await expect(store.subscribe('deacon', () => undefined)).rejects.toSatisfy(unavailable);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await pg.cluster.resume();
    }
    // back up: the same store works again
    expect((await store.sendMessage(mail())).id).toMatch(/^gm-/);
    await store.close();
  });

  it('a subscription reports the loss, reconnects, wakes once for what it may have missed, and keeps listening', async () => {
    const store = await open();
    const writer = await PostgresStore.open(pg.cluster.url, { schema: store.schema });
    let wakes = 0;
    const errors: Error[] = [];
    const stop = await store.subscribe(
      'deacon',
      () => (wakes += 1),
      (err) => errors.push(err),
    );
    try {
      await writer.sendMessage(mail({ to: 'deacon' }));
      await waitFor('the first wake-up', () => wakes === 1);
      await pg.cluster.restart();
      await waitFor('the wake-up that follows the reconnect', () => wakes === 2, 15_000);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors.every(unavailable)).toBe(true);
      await writer.sendMessage(mail({ to: 'deacon' }));
      await waitFor('a wake-up on the new connection', () => wakes === 3);
    } finally {
      await stop();
      await writer.close();
      await store.close();
    }
  });

  it('a server that stops answering without closing the connection is noticed by the ping', async () => {
    const store = await open({ pingMs: 300 });
    let wakes = 0;
    const errors: Error[] = [];
    const stop = await store.subscribe(
      'deacon',
      () => (wakes += 1),
      (err) => errors.push(err),
    );
    // the backend serving the listener: frozen, it keeps the socket open but never answers
    const { rows } = await adminQuery(
      pg.cluster.url,
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'gastown'
        AND query IN ('LISTEN gt_deacon', 'SELECT 1')`,
    );
    expect(rows).toHaveLength(1);
    const pid = (rows[0] as { pid: number }).pid;
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('the ping to give up on the frozen connection', () => errors.length >= 1);
      await waitFor('the wake-up after reconnecting', () => wakes >= 1);
    } finally {
      process.kill(pid, 'SIGCONT');
      await stop();
      await store.close();
    }
  });
});
