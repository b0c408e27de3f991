// Mail: `gt mail send` start-up against `node -e 0`, in-process send throughput
// against a bare prepared INSERT, and one inbox among 100,000 messages against a scan.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewMessage } from '../src/store/store.js';
import type { Row } from './harness.js';
import { median, nowMs, percentile, scratch, timeProcess, versusNode } from './harness.js';

const SECTION = 'mail';

function message(i: number, to = `rig${i % 1000}/crew/c${i % 7}`): NewMessage {
  return {
    from: 'mayor',
    to,
    subject: `subject ${i}`,
    body: `body of message ${i}`,
    priority: 'normal',
    type: 'message',
    senderVerified: false,
  };
}

function startupRows(gtBin: string): Row[] {
  const { dir, done } = scratch('mail');
  try {
    const town = join(dir, 'town');
    spawnSync(process.execPath, [gtBin, 'install', town], { stdio: 'ignore' });
    const send = (): number =>
      timeProcess(
        process.execPath,
        [gtBin, 'mail', 'send', 'mayor', '-s', 'bench', '-m', 'hello'],
        {
          cwd: town,
        },
      );
    const { row, runs } = versusNode(SECTION, 'gt mail send', send, { n: 30 });
    return [
      row,
      {
        section: SECTION,
        name: 'gt mail send, whole process (p90)',
        ours: percentile(runs.a, 90),
        baseline: percentile(runs.b, 90),
        baselineName: 'node -e 0',
        unit: 'ms',
        target: '',
        pass: null,
      },
    ];
  } finally {
    done();
  }
}

async function throughputRows(): Promise<Row[]> {
  const { dir, done } = scratch('mail-tp');
  try {
    const n = 20_000;
    const store = SqliteStore.open(join(dir, 'ours.db'));
    const t0 = nowMs();
    for (let i = 0; i < n; i++) await store.sendMessage(message(i));
    const ours = n / ((nowMs() - t0) / 1000);
    await store.close();

    // Baseline: the same rows through one bare prepared INSERT on the same schema and settings.
    const bare = SqliteStore.open(join(dir, 'bare.db'));
    await bare.close();
    const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Driver(join(dir, 'bare.db'));
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      `INSERT INTO messages (id, from_addr, to_addr, subject, body, priority, type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const t1 = nowMs();
    for (let i = 0; i < n; i++) {
      const m = message(i);
      insert.run(`gm-bare${i}`, m.from, m.to, m.subject, m.body, m.priority, m.type, Date.now());
    }
    const base = n / ((nowMs() - t1) / 1000);
    db.close();
    return [
      {
        section: SECTION,
        name: `send ${n} messages in-process`,
        ours,
        baseline: base,
        baselineName: 'bare prepared INSERT',
        unit: 'msg/s',
        target: '≥ 20000/s',
        pass: ours >= 20_000,
      },
    ];
  } finally {
    done();
  }
}

async function inboxRows(): Promise<Row[]> {
  const { dir, done } = scratch('mail-inbox');
  try {
    const total = 100_000;
    const store = SqliteStore.open(join(dir, 'town.db'));
    store.transaction(() => {
      for (let i = 0; i < total; i++) void store.sendMessage(message(i));
    });
    const target = 'rig42/crew/c0';
    const samples: number[] = [];
    let count = 0;
    for (let i = 0; i < 50; i++) {
      const t = nowMs();
      count = (await store.listInbox(target)).length;
      samples.push(nowMs() - t);
    }
    await store.close();
    // Baseline: the same question answered by reading every row (what an unindexed inbox costs).
    const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Driver(join(dir, 'town.db'), { readonly: true });
    const scan = db.prepare(
      `SELECT * FROM messages NOT INDEXED WHERE to_addr = ? ORDER BY seq DESC`,
    );
    const scans: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = nowMs();
      scan.all(target);
      scans.push(nowMs() - t);
    }
    db.close();
    const ours = median(samples);
    return [
      {
        section: SECTION,
        name: `inbox of 1 address (${count} msgs) among ${total}`,
        ours,
        baseline: median(scans),
        baselineName: 'full scan',
        unit: 'ms',
        target: '< 5 ms',
        pass: ours < 5,
      },
    ];
  } finally {
    done();
  }
}

export async function benchMail(gtBin: string): Promise<Row[]> {
  return [...startupRows(gtBin), ...(await throughputRows()), ...(await inboxRows())];
}
