// Dashboard: 200 agents in real tmux with the daemon running, and `gt dashboard` serving 0, 1
// and 50 server-sent event clients. tmux invocations per second (each process's own, counted by
// a tmux wrapper first on its PATH), event latency to every client, the server's RSS; and
// GET /api/status beside `gt status --json` as a whole process.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Row } from './harness.js';
import { benchTown, median, nowMs, percentile, stopChild, timeProcess } from './harness.js';
import { procStats } from './proc.js';

const SECTION = 'dashboard';
const AGENTS = 200;
const CLIENTS = 50;
const WINDOW_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function realTmux(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, 'tmux');
    if (dir !== '' && existsSync(file)) return file;
  }
  throw new Error('bench dashboard: no tmux on PATH');
}

/** A `tmux` that adds one byte to $GT_BENCH_TMUX_LOG per invocation, then is the real one. */
function tmuxWrapper(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const script = `#!/bin/sh\nprintf x >> "$GT_BENCH_TMUX_LOG"\nexec '${realTmux()}' "$@"\n`;
  writeFileSync(join(bin, 'tmux'), script);
  chmodSync(join(bin, 'tmux'), 0o755);
  return bin;
}

const calls = (log: string): number => (existsSync(log) ? statSync(log).size : 0);

interface Town {
  root: string;
  socket: string;
  env: (log: string) => NodeJS.ProcessEnv;
  done: () => void;
}

function makeTown(gtBin: string, port: number): Town {
  const town = benchTown(gtBin, {
    label: 'dashboard',
    socket: `gt-bench-d-${process.pid}`,
    agents: AGENTS,
    settings: {
      daemon: { heartbeat: '5s', keep_alive: ['*/crew/*'] },
      agents: { crew: { command: 'exec sleep 3600', sync: false } },
      dashboard: { port },
    },
  });
  const bin = tmuxWrapper(town.dir);
  const env = (log: string): NodeJS.ProcessEnv => ({
    ...town.env,
    PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    GT_BENCH_TMUX_LOG: log,
  });
  return { root: town.root, socket: town.socket, env, done: town.done };
}

async function startDashboard(
  gtBin: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; base: string; key: Record<string, string> }> {
  const child = spawn(process.execPath, [gtBin, 'dashboard', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  for (let i = 0; i < 400 && !/at http:\/\//.test(out); i++) await sleep(25);
  const m = /at (http:\/\/[^/]+)\/\?token=(\S+)/.exec(out);
  if (m === null) throw new Error(`bench dashboard: gt dashboard said ${out}`);
  return { child, base: m[1] ?? '', key: { 'x-gt-token': m[2] ?? '' } };
}

interface Client {
  arrivals: Map<number, number>;
  close: () => void;
}

/** One SSE client: the arrival time (ms) of each store event by its sequence number. */
async function sseClient(base: string, key: Record<string, string>): Promise<Client> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/events`, { signal: abort.signal, headers: key });
  const arrivals = new Map<number, number>();
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = (await reader?.read().catch(() => undefined)) ?? { done: true };
      if (done || value === undefined) return;
      buffer += value;
      for (const m of buffer.matchAll(/^id: (\d+)$/gm)) arrivals.set(Number(m[1]), nowMs());
      buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
    }
  })();
  return { arrivals, close: () => abort.abort() };
}

/** tmux calls per second of the dashboard and of the daemon over one window. */
async function rates(dashLog: string, daemonLog: string): Promise<[number, number]> {
  const [d0, k0, t0] = [calls(dashLog), calls(daemonLog), nowMs()];
  await sleep(WINDOW_MS);
  const s = (nowMs() - t0) / 1000;
  return [(calls(dashLog) - d0) / s, (calls(daemonLog) - k0) / s];
}

async function eventLatencies(root: string, clients: readonly Client[]): Promise<number[]> {
  const store = SqliteStore.open(join(root, '.gt', 'town.db'));
  const sentAt = new Map<number, number>();
  try {
    for (let i = 0; i < 40; i++) {
      const e = await store.recordEvent({ kind: 'agent.activity', reason: 'bench' });
      sentAt.set(e.seq, nowMs());
      await sleep(50);
    }
  } finally {
    await store.close();
  }
  const wanted = [...sentAt.keys()];
  for (let i = 0; i < 200; i++) {
    if (clients.every((c) => wanted.every((seq) => c.arrivals.has(seq)))) break;
    await sleep(25);
  }
  return clients.flatMap((c) =>
    wanted.map((seq) => (c.arrivals.get(seq) ?? Number.NaN) - (sentAt.get(seq) ?? 0)),
  );
}

async function statusTimes(
  base: string,
  key: Record<string, string>,
  n: number,
  gapMs: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = nowMs();
    const res = await fetch(`${base}/api/status`, { headers: key });
    if (!res.ok) throw new Error(`bench dashboard: /api/status answered ${res.status}`);
    await res.text();
    times.push(nowMs() - t);
    if (gapMs > 0) await sleep(gapMs);
  }
  return times;
}

function row(name: string, ours: number, unit: string, more: Partial<Row> = {}): Row {
  return {
    section: SECTION,
    name,
    ours,
    baseline: null,
    baselineName: null,
    unit,
    target: '',
    pass: null,
    ...more,
  };
}

async function waitForAgents(root: string, env: NodeJS.ProcessEnv, gtBin: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const out = execFileSync(process.execPath, [gtBin, 'status', '--json'], {
      env,
      encoding: 'utf8',
    });
    const running = (JSON.parse(out) as { summary: { running_count: number } }).summary
      .running_count;
    if (running >= AGENTS) return;
    await sleep(1000);
  }
  throw new Error(`bench dashboard: the daemon did not start ${AGENTS} agents in ${root}`);
}

/** A port free now on 127.0.0.1 (for the daemon's own dashboard). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The dashboard the daemon serves (dashboard.port): the daemon's tmux calls with 50 clients
 * watching beside those with none (its view of the sessions is the source), and event latency.
 */
async function servedByDaemon(gtBin: string, town: Town, daemonLog: string): Promise<Row[]> {
  const said = execFileSync(process.execPath, [gtBin, 'dashboard', '--json'], {
    env: town.env(''),
    encoding: 'utf8',
  });
  const url = new URL((JSON.parse(said) as { url: string }).url);
  const key = { 'x-gt-token': url.searchParams.get('token') ?? '' };
  const [, none] = await rates('', daemonLog);
  const clients: Client[] = [];
  try {
    while (clients.length < CLIENTS) clients.push(await sseClient(url.origin, key));
    const [, watched] = await rates('', daemonLog);
    const latencies = (await eventLatencies(town.root, clients)).filter((l) => !Number.isNaN(l));
    return [
      row(`the daemon's tmux calls/s, its dashboard watched by ${CLIENTS}`, watched, 'calls/s', {
        baseline: none,
        baselineName: 'watched by none',
        target: 'same as none',
        pass: watched <= none + 0.2,
      }),
      row(
        `event latency to ${CLIENTS} clients of the daemon's dashboard (p99)`,
        percentile(latencies, 99),
        'ms',
        {
          baseline: median(latencies),
          baselineName: 'p50',
          target: '< 1000 ms, none lost',
          pass: latencies.length === CLIENTS * 40 && percentile(latencies, 99) < 1000,
        },
      ),
    ];
  } finally {
    for (const c of clients) c.close();
  }
}

export async function benchDashboard(gtBin: string): Promise<Row[]> {
  const town = makeTown(gtBin, await freePort());
  const logDir = join(town.root, '..');
  const [daemonLog, dashLog, cliLog] = ['daemon', 'dash', 'cli'].map((n) =>
    join(logDir, `${n}.count`),
  );
  const daemon = spawn(process.execPath, [gtBin, 'daemon', 'run', '--quiet'], {
    env: town.env(daemonLog ?? ''),
    stdio: 'ignore',
  });
  let dash: ChildProcess | undefined;
  const clients: Client[] = [];
  try {
    await waitForAgents(town.root, town.env(cliLog ?? ''), gtBin);
    const started = await startDashboard(gtBin, town.env(dashLog ?? ''));
    dash = started.child;
    const pid = dash.pid ?? 0;
    const fresh = await statusTimes(started.base, started.key, 20, 1100); // past the 1 s cache
    const cached = await statusTimes(started.base, started.key, 200, 0);
    const cli = Array.from({ length: 10 }, () =>
      timeProcess(process.execPath, [gtBin, 'status', '--json'], { env: town.env(cliLog ?? '') }),
    );
    const [dash0, daemon0] = await rates(dashLog ?? '', daemonLog ?? '');
    const rss0 = procStats(pid).rssKb / 1024;
    clients.push(await sseClient(started.base, started.key));
    const [dash1] = await rates(dashLog ?? '', daemonLog ?? '');
    while (clients.length < CLIENTS) clients.push(await sseClient(started.base, started.key));
    const [dash50, daemon50] = await rates(dashLog ?? '', daemonLog ?? '');
    const rss50 = procStats(pid).rssKb / 1024;
    const latencies = await eventLatencies(town.root, clients);
    const lost = latencies.filter((l) => Number.isNaN(l)).length;
    const rateRow = (n: number, ours: number): Row =>
      row(`dashboard tmux calls/s, ${n} SSE clients, ${AGENTS} agents`, ours, 'calls/s', {
        baseline: dash1,
        baselineName: '1 client',
        target: n > 1 ? 'same as 1 client' : '',
        pass: n > 1 ? ours <= dash1 + 0.2 : null,
      });
    for (const c of clients.splice(0)) c.close();
    const daemonServed = await servedByDaemon(gtBin, town, daemonLog ?? '');
    return [
      ...daemonServed,
      rateRow(0, dash0),
      rateRow(CLIENTS, dash50),
      row(
        `town tmux calls/s (daemon + dashboard), ${CLIENTS} clients`,
        daemon50 + dash50,
        'calls/s',
        {
          baseline: daemon0 + dash0,
          baselineName: '0 clients',
          target: '≤ 0 clients + 1/s',
          pass: daemon50 + dash50 <= daemon0 + dash0 + 1.2,
        },
      ),
      row(
        `event latency to ${CLIENTS} clients (p99${lost ? `, ${lost} LOST` : ''})`,
        percentile(
          latencies.filter((l) => !Number.isNaN(l)),
          99,
        ),
        'ms',
        {
          baseline: median(latencies.filter((l) => !Number.isNaN(l))),
          baselineName: 'p50',
          target: '< 1000 ms, none lost',
          pass: lost === 0 && percentile(latencies, 99) < 1000,
        },
      ),
      row(`gt dashboard RSS, ${CLIENTS} clients`, rss50, 'MB', {
        baseline: rss0,
        baselineName: '0 clients',
      }),
      row(`GET /api/status, ${AGENTS} agents, fresh read (p50)`, median(fresh), 'ms', {
        baseline: median(cli),
        baselineName: 'gt status --json, whole process',
      }),
      row(`GET /api/status, ${AGENTS} agents, fresh read (p99)`, percentile(fresh, 99), 'ms', {
        baseline: percentile(cli, 99),
        baselineName: 'gt status --json p99',
      }),
      row(`GET /api/status, ${AGENTS} agents, within the 1 s cache (p50)`, median(cached), 'ms', {
        baseline: percentile(cached, 99),
        baselineName: 'p99',
      }),
    ];
  } finally {
    for (const c of clients) c.close();
    if (dash) await stopChild(dash);
    await stopChild(daemon);
    town.done();
  }
}
