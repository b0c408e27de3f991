// PostgreSQL store: claim+settle throughput with 1, 2 and 4 daemons (each its own connection
// pool) beside one daemon on embedded SQLite, and a fresh request's wake-up latency through
// LISTEN/NOTIFY beside the SQLite town's socket poke. Uses the server GT_BENCH_DATABASE_URL
// names, else a throwaway cluster with durable commits (fsync on).
import { createServer } from 'node:net';
import { join } from 'node:path';
import { poke } from '../src/util/socket.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewMessage, Store } from '../src/store/store.js';
import type { Cluster } from '../test/helpers/postgres-cluster.js';
import { startCluster } from '../test/helpers/postgres-cluster.js';
import type { Row } from './harness.js';
import { nowMs, percentile, scratch } from './harness.js';

const SECTION = 'postgres';
const REQUESTS = 6_000;
const AGENTS = 16;
const hostName = (i: number): string => `bench-${i}`;
const WAKE_SAMPLES = 60;

function request(i: number): NewMessage {
  const agent = `alpha/crew/c${i % AGENTS}`;
  return {
    from: agent,
    to: 'deacon',
    subject: `LIFECYCLE: ${agent} requesting cycle`,
    body: JSON.stringify({ action: 'cycle', request_id: `rq-bench${i}` }),
    priority: 'high',
    type: 'lifecycle',
    senderVerified: true,
  };
}

/** The queue a benchmark drains: agents spread over the daemons' hosts, then the requests. */
async function fill(store: Store, n: number, hosts = 1): Promise<void> {
  for (let a = 0; a < AGENTS; a++)
    await store.patchAgent(`alpha/crew/c${a}`, { host: hostName(a % hosts) });
  const writers = 8;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = w; i < n; i += writers) await store.sendMessage(request(i));
    }),
  );
}

/** One daemon's work as the real one does it: claim a batch, settle each (four at a time). */
async function drain(store: Store, host: string): Promise<number> {
  const owner = `${host}:daemon`;
  let handled = 0;
  for (;;) {
    const batch = await store.claimMessages({
      to: 'deacon',
      owner,
      host,
      now: Date.now(),
      leaseMs: 60_000,
      limit: 16,
      takeOverHost: true,
      onlyOwnHostAgents: true,
    });
    if (batch.length === 0) return handled;
    const queue = [...batch];
    const settleNext = async (): Promise<void> => {
      for (let m = queue.shift(); m !== undefined; m = queue.shift())
        await store.settleMessage(m.id, owner, { kind: 'done', outcome: 'done' }, Date.now());
    };
    await Promise.all([settleNext(), settleNext(), settleNext(), settleNext()]);
    handled += batch.length;
  }
}

/** Requests per second for `daemons` daemons (one per host, each its own pool) on one schema. */
async function throughput(url: string, daemons: number): Promise<number> {
  const schema = `bench_tp_${daemons}_${process.pid}`;
  const stores = await Promise.all(
    Array.from({ length: daemons }, () => PostgresStore.open(url, { schema })),
  );
  try {
    await fill(stores[0] as Store, REQUESTS, daemons);
    const t0 = nowMs();
    const counts = await Promise.all(stores.map((s, i) => drain(s, hostName(i))));
    const elapsed = nowMs() - t0;
    const total = counts.reduce((a, b) => a + b, 0);
    if (total !== REQUESTS) throw new Error(`bench: ${total} of ${REQUESTS} requests handled`);
    return total / (elapsed / 1000);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

async function sqliteThroughput(): Promise<number> {
  const { dir, done } = scratch('pg-sqlite');
  const store = SqliteStore.open(join(dir, 'town.db'));
  try {
    await fill(store, REQUESTS);
    const t0 = nowMs();
    const total = await drain(store, hostName(0));
    return total / ((nowMs() - t0) / 1000);
  } finally {
    await store.close();
    done();
  }
}

/** Fresh request → an idle daemon has it claimed, woken by NOTIFY. */
async function notifyLatency(url: string): Promise<number[]> {
  const schema = `bench_wake_${process.pid}`;
  const daemon = await PostgresStore.open(url, { schema });
  const agent = await PostgresStore.open(url, { schema });
  const samples: number[] = [];
  try {
    let claimed: (() => void) | undefined;
    const unsubscribe = await daemon.subscribe('deacon', () => {
      void claimOne(daemon, () => claimed?.());
    });
    for (let i = 0; i < WAKE_SAMPLES; i++) {
      const got = new Promise<void>((resolve) => (claimed = resolve));
      const t0 = nowMs();
      await agent.sendMessage(request(i));
      await got;
      samples.push(nowMs() - t0);
    }
    await unsubscribe();
  } finally {
    await agent.close();
    await daemon.close();
  }
  return samples;
}

/** The same with the SQLite town's wake-up: a poke on the daemon's unix socket. */
async function pokeLatency(): Promise<number[]> {
  const { dir, done } = scratch('pg-poke');
  const store = SqliteStore.open(join(dir, 'town.db'));
  const socket = join(dir, 'daemon.sock');
  let claimed: (() => void) | undefined;
  const server = createServer((conn) => {
    conn.on('error', () => undefined);
    conn.resume();
    conn.end();
    void claimOne(store, () => claimed?.());
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const samples: number[] = [];
  try {
    for (let i = 0; i < WAKE_SAMPLES; i++) {
      const got = new Promise<void>((resolve) => (claimed = resolve));
      const t0 = nowMs();
      await store.sendMessage(request(i));
      await poke(socket);
      await got;
      samples.push(nowMs() - t0);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
    done();
  }
  return samples;
}

/** What an idle daemon does when woken: claim (then `onClaimed`), then settle. */
async function claimOne(store: Store, onClaimed: () => void): Promise<void> {
  const batch = await store.claimMessages({
    to: 'deacon',
    owner: 'idle-daemon',
    host: hostName(0),
    now: Date.now(),
    leaseMs: 60_000,
    limit: 16,
    onlyOwnHostAgents: true,
  });
  if (batch.length > 0) onClaimed();
  for (const m of batch)
    await store.settleMessage(m.id, 'idle-daemon', { kind: 'done', outcome: 'done' }, Date.now());
}

export async function benchPostgres(): Promise<Row[]> {
  const given = process.env.GT_BENCH_DATABASE_URL;
  let cluster: Cluster | undefined;
  if (!given) cluster = await startCluster({ prefix: 'gt-bench-pg-', durable: true });
  const url = given ?? cluster?.url ?? '';
  try {
    const base = await sqliteThroughput();
    const rows: Row[] = [];
    for (const daemons of [1, 2, 4]) {
      const ours = await throughput(url, daemons);
      rows.push({
        section: SECTION,
        name: `claim+settle, ${daemons} daemon${daemons > 1 ? 's' : ''} (${REQUESTS} requests)`,
        ours,
        baseline: base,
        baselineName: 'SQLite, 1 daemon',
        unit: 'req/s',
        target: daemons === 4 ? '≥ 2000/s' : '',
        pass: daemons === 4 ? ours >= 2000 : null,
      });
    }
    const notify = await notifyLatency(url);
    const poke = await pokeLatency();
    rows.push(
      {
        section: SECTION,
        name: 'fresh request → claimed, LISTEN/NOTIFY (p50)',
        ours: percentile(notify, 50),
        baseline: percentile(poke, 50),
        baselineName: 'SQLite + socket poke',
        unit: 'ms',
        target: '< 50 ms',
        pass: percentile(notify, 50) < 50,
      },
      {
        section: SECTION,
        name: 'fresh request → claimed, LISTEN/NOTIFY (p90)',
        ours: percentile(notify, 90),
        baseline: percentile(poke, 90),
        baselineName: 'SQLite + socket poke',
        unit: 'ms',
        target: '',
        pass: null,
      },
    );
    return rows;
  } finally {
    await cluster?.stop();
  }
}
