// Notifications: event → receiver latency through a real daemon's outbox and sender to a real
// HTTP receiver on 127.0.0.1, with a healthy channel alone and with a hanging channel beside it;
// and the daemon's heartbeat duration (keep-alive and housekeeping, daemon/state.json) with and
// without the hanging receiver. Size: GT_BENCH_NOTIFY (40 notifications per case).
import { readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BenchTown, Row } from './harness.js';
import { benchTown, median, percentile, stopChild, benchSize } from './harness.js';
import { startDaemon, until } from './agent-town.js';

const SECTION = 'notify';

interface Receiver {
  url: string;
  /** Arrival time by notification id. */
  arrived: Map<string, number>;
  close: () => Promise<void>;
}

/** A receiver that answers 200 (or, hanging, never answers). */
async function receiver(hang: boolean): Promise<Receiver> {
  const arrived = new Map<string, number>();
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    req.resume();
    req.on('end', () => {
      arrived.set(String(req.headers['x-gt-notification-id'] ?? ''), at);
      if (hang) held.push(res);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrived,
    close: async () => {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function configure(t: BenchTown, channels: unknown[]): void {
  const settings = {
    daemon: { heartbeat: '200ms', keep_alive: [] },
    notify: { channels, fold_window: '0s', rate_limit: 10_000, timeout: '5s' },
  };
  writeFileSync(join(t.root, 'settings', 'config.json'), JSON.stringify(settings));
}

/** The last heartbeat's duration, sampled over `n` heartbeats. */
async function heartbeats(t: BenchTown, n: number): Promise<number[]> {
  const file = join(t.root, 'daemon', 'state.json');
  const read = () =>
    JSON.parse(readFileSync(file, 'utf8')) as {
      heartbeat_count: number;
      last_heartbeat_ms: number;
    };
  const out: number[] = [];
  let seen = read().heartbeat_count;
  while (out.length < n) {
    await new Promise((r) => setTimeout(r, 50));
    const now = read();
    if (now.heartbeat_count !== seen) {
      seen = now.heartbeat_count;
      out.push(now.last_heartbeat_ms);
    }
  }
  return out;
}

interface Case {
  latencies: number[];
  beats: number[];
}

/** `n` test notifications one after another; each one's event → arrival at the healthy receiver. */
async function run(gtBin: string, t: BenchTown, withHanging: boolean, n: number): Promise<Case> {
  const good = await receiver(false);
  const bad = await receiver(true);
  const channels = [{ name: 'good', type: 'webhook', url: good.url }];
  if (withHanging) channels.push({ name: 'stuck', type: 'webhook', url: bad.url });
  configure(t, channels);
  const daemon = await startDaemon(gtBin, t);
  try {
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) {
      const out = JSON.parse(t.gt(['notify', 'test', 'good', '--json'])) as Array<{
        id: string;
        created_at: string;
      }>;
      const sent = out[0];
      if (sent === undefined) throw new Error('bench: gt notify test queued nothing');
      const at = await until(
        'the notification at the receiver',
        () => good.arrived.get(sent.id),
        30_000,
        2,
      );
      latencies.push(at - Date.parse(sent.created_at));
      // The hanging channel's own test, to keep it busy.
      if (withHanging) t.gt(['notify', 'test', 'stuck']);
    }
    const beats = await heartbeats(t, 20);
    return { latencies, beats };
  } finally {
    await stopChild(daemon);
    await good.close();
    await bad.close();
  }
}

export async function benchNotify(gtBin: string): Promise<Row[]> {
  const n = benchSize('GT_BENCH_NOTIFY', 40);
  const socket = `gt-bench-notify-${process.pid}`;
  const t = benchTown(gtBin, { label: 'notify', socket, agents: 0, settings: {} });
  try {
    const healthy = await run(gtBin, t, false, n);
    const beside = await run(gtBin, t, true, n);
    const row = (name: string, ours: number, baseline: number, baselineName: string): Row => ({
      section: SECTION,
      name,
      ours,
      baseline,
      baselineName,
      unit: 'ms',
      target: '',
      pass: null,
    });
    const p = (c: Case, q: number) => percentile(c.latencies, q);
    return [
      row(
        `event → receiver p50, a hanging channel beside (${n})`,
        p(beside, 50),
        p(healthy, 50),
        'healthy channel alone',
      ),
      row(
        `event → receiver p99, a hanging channel beside (${n})`,
        p(beside, 99),
        p(healthy, 99),
        'healthy channel alone',
      ),
      row(
        'heartbeat duration (median of 20), a hanging receiver',
        median(beside.beats),
        median(healthy.beats),
        'no hanging receiver',
      ),
    ];
  } finally {
    t.done();
  }
}
