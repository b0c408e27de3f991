// Lifecycle: handoff → new agent running (idle daemon, then with 100,000 unrelated
// messages) beside a bare tmux restart of the same session; daemon RSS and CPU at rest.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Row } from './harness.js';
import { CLOCK_TICKS, procStats } from './proc.js';
import { gtRunner, killTmux, median, nowMs, percentile, scratch, stopChild } from './harness.js';

const SECTION = 'lifecycle';
const MARK = 'marks.log';
/** Writes the wall clock (ms) at which the agent process began, then idles. */
const AGENT = `echo "$GT_ROLE $(date +%s%3N)" >> "$GT_TOWN_ROOT/${MARK}"; exec sleep 3600`;

interface Bench {
  root: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  gt: (args: string[], env?: NodeJS.ProcessEnv) => string;
  done: () => void;
}

function makeTown(gtBin: string, crew: number, extra: Record<string, unknown> = {}): Bench {
  const { dir, done } = scratch('lifecycle');
  const root = join(dir, 'town');
  const socket = `gt-bench-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
  const gt = gtRunner(gtBin, env);
  gt(['install', root]);
  const origin = join(dir, 'origin.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  gt(['rig', 'add', 'alpha', origin]);
  for (let i = 0; i < crew; i++) gt(['crew', 'add', `c${i}`, '--rig', 'alpha']);
  const settings = {
    daemon: { keep_alive: [] },
    agents: { crew: { command: AGENT, sync: false } },
    ...extra,
  };
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(settings));
  return {
    root,
    socket,
    env,
    gt,
    done: () => {
      killTmux(socket);
      done();
    },
  };
}

function marks(b: Bench, address: string): number[] {
  const file = join(b.root, MARK);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${address} `))
    .map((l) => Number(l.split(' ')[1]));
}

/** How many agent starts the marks file records (none before the first start). */
function allMarks(b: Bench): number {
  const file = join(b.root, MARK);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

async function until<T>(
  what: string,
  fn: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function token(b: Bench, session: string): string {
  return (
    execFileSync('tmux', ['-L', b.socket, 'show-environment', '-t', session, 'GT_AGENT_TOKEN'], {
      encoding: 'utf8',
    })
      .trim()
      .split('=')[1] ?? ''
  );
}

async function startDaemon(gtBin: string, b: Bench): Promise<ChildProcess> {
  const child = spawn(process.execPath, [gtBin, 'daemon', 'run', '--quiet'], {
    env: b.env,
    stdio: 'ignore',
  });
  await until(
    'the daemon',
    () => (JSON.parse(b.gt(['daemon', 'status', '--json'])) as { running: boolean }).running,
  );
  return child;
}

/** Handoff → the new agent's first instruction, `n` times: milliseconds each. */
async function handoffLatencies(gtBin: string, b: Bench, n: number): Promise<number[]> {
  const address = 'alpha/crew/c0';
  const session = 'gt-alpha-crew-c0';
  if (marks(b, address).length === 0) {
    b.gt(['session', 'start', address]);
    await until('the first agent', () => marks(b, address).length === 1);
  }
  const daemon = await startDaemon(gtBin, b);
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const seen = marks(b, address).length;
      b.gt(['handoff'], { GT_ROLE: address, GT_AGENT_TOKEN: token(b, session) });
      const returned = Date.now();
      const started = await until('the new agent', () => marks(b, address)[seen]);
      samples.push(started - returned);
    }
  } finally {
    await stopChild(daemon);
  }
  return samples;
}

/** The same restart by a bare shell: kill-session then new-session, timed to the agent's first instruction. */
async function bareRestartLatencies(b: Bench, n: number): Promise<number[]> {
  const address = 'alpha/crew/c1';
  const session = 'gt-alpha-crew-c1';
  const cwd = join(b.root, 'alpha', 'crew', 'c1');
  const script = `tmux -L ${b.socket} kill-session -t ${session} 2>/dev/null; tmux -L ${b.socket} new-session -d -s ${session} -c ${cwd} -e GT_ROLE=${address} -e GT_TOWN_ROOT=${b.root} '${AGENT.replace(/'/g, `'\\''`)}'`;
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const seen = marks(b, address).length;
    const before = Date.now();
    execFileSync('sh', ['-c', script]);
    const started = await until('the bare agent', () => marks(b, address)[seen]);
    samples.push(started - before);
  }
  return samples;
}

function rows(
  name: string,
  ours: number[],
  bare: number[],
  targets: { p50: number; p99: number },
): Row[] {
  const [p50, p99] = [median(ours), percentile(ours, 99)];
  return [
    {
      section: SECTION,
      name: `${name} p50`,
      ours: p50,
      baseline: median(bare),
      baselineName: 'bare tmux restart',
      unit: 'ms',
      target: `< ${targets.p50} ms`,
      pass: p50 < targets.p50,
    },
    {
      section: SECTION,
      name: `${name} p99`,
      ours: p99,
      baseline: percentile(bare, 99),
      baselineName: 'bare tmux restart',
      unit: 'ms',
      target: `< ${targets.p99} ms`,
      pass: p99 < targets.p99,
    },
  ];
}

async function reactionRows(gtBin: string): Promise<Row[]> {
  const b = makeTown(gtBin, 2);
  try {
    // The handoff target runs first, so the tmux server outlives the bare loop's kill-session.
    b.gt(['session', 'start', 'alpha/crew/c0']);
    await until('the first agent', () => marks(b, 'alpha/crew/c0').length === 1);
    const bare = await bareRestartLatencies(b, 40);
    const empty = await handoffLatencies(gtBin, b, 40);
    const store = SqliteStore.open(join(b.root, '.gt', 'town.db'));
    store.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        void store.sendMessage({
          from: 'mayor',
          to: i % 10 === 0 ? 'deacon' : `alpha/crew/c${i % 2}`,
          subject: `unrelated ${i}`,
          body: 'x',
          priority: 'normal',
          type: 'message',
          senderVerified: false,
        });
      }
    });
    await store.close();
    // the 10,000 unrelated deacon messages are screened once on the daemon's first pass
    const backlog = await handoffLatencies(gtBin, b, 40);
    const out = rows('handoff → new agent running', empty, bare, { p50: 150, p99: 400 });
    out.push(...rows('same, 100,000 unrelated messages', backlog, bare, { p50: 150, p99: 400 }));
    out.push({
      section: SECTION,
      name: 'backlog / empty (p50)',
      ours: median(backlog),
      baseline: median(empty),
      baselineName: 'empty store',
      unit: 'ms',
      target: '≤ 1.2x',
      pass: median(backlog) <= 1.2 * median(empty),
    });
    return out;
  } finally {
    b.done();
  }
}

async function restRows(gtBin: string, agents: number, watchMs: number): Promise<Row[]> {
  const b = makeTown(gtBin, agents, { daemon: { heartbeat: '1s', keep_alive: ['*/crew/*'] } });
  let daemon: ChildProcess | undefined;
  try {
    daemon = await startDaemon(gtBin, b);
    await until('every agent running', () => allMarks(b) >= agents, 60_000);
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = nowMs();
    const [d0, i0] = [procStats(daemon?.pid ?? 0), procStats(idle.pid ?? 0)];
    await new Promise((r) => setTimeout(r, watchMs));
    const elapsed = (nowMs() - t0) / 1000;
    const [d1, i1] = [procStats(daemon?.pid ?? 0), procStats(idle.pid ?? 0)];
    const cpu = (t: { cpuTicks: number }, u: { cpuTicks: number }): number =>
      ((u.cpuTicks - t.cpuTicks) / CLOCK_TICKS / elapsed) * 100;
    await stopChild(idle, 'SIGKILL');
    return [
      {
        section: SECTION,
        name: `daemon RSS at rest, ${agents} agents (1 s heartbeat)`,
        ours: d1.rssKb / 1024,
        baseline: i1.rssKb / 1024,
        baselineName: 'idle node',
        unit: 'MB',
        target: '< 100 MB',
        pass: d1.rssKb / 1024 < 100,
      },
      {
        section: SECTION,
        name: `daemon CPU at rest, ${agents} agents (1 s heartbeat)`,
        ours: cpu(d0, d1),
        baseline: cpu(i0, i1),
        baselineName: 'idle node',
        unit: '% core',
        target: '< 1%',
        pass: cpu(d0, d1) < 1,
      },
    ];
  } finally {
    // Stopped before the tmux server goes: a live daemon would start the agents again.
    if (daemon !== undefined) await stopChild(daemon);
    b.done();
  }
}

export async function benchLifecycle(gtBin: string): Promise<Row[]> {
  return [...(await reactionRows(gtBin)), ...(await restRows(gtBin, 50, 10_000))];
}
