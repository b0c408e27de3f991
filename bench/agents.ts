// Real agents: the real Claude Code against the scripted model server, in one run. Start →
// ready beside the same CLI in bare tmux with its dialogs pre-accepted (the floor); a handoff
// by the agent's own shell tool → its successor's first model request; gt nudge → model
// request beside raw send-keys; 1,000 nudges across 20 sessions; the daemon at rest.
// Sizes: GT_BENCH_AGENTS (20), GT_BENCH_STARTS (5), GT_BENCH_HANDOFFS (10),
// GT_BENCH_NUDGES (200), GT_BENCH_NUDGES_MANY (1000), GT_BENCH_TURNS (30) after
// GT_BENCH_TURNS_WARM (10) not counted.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { FloorSession } from './agent-town.js';
import {
  requestWith,
  startDaemon,
  startToReady,
  stopChild,
  until,
  untilReady,
} from './agent-town.js';
import type { ClaudeBench } from './claude-town.js';
import { BENCH_DIALOGS, claudeBenchTown, claudeFloor } from './claude-town.js';
import type { Row } from './harness.js';
import { median, nowMs, percentile, benchSize } from './harness.js';
import { CLOCK_TICKS, procStats } from './proc.js';
import { crewAddress, manyNudges, manyTyped } from './many-nudges.js';
import { turnCpu, turnRows } from './turn-cpu.js';
import { row } from './agent-rows.js';

interface StartFigures {
  floor: number[];
  fresh: number[];
  again: number[];
}

/** Start → ready, interleaved: the floor, a fresh agent (dialogs to answer), its restart. */
async function starts(b: ClaudeBench, floor: FloorSession, n: number): Promise<StartFigures> {
  const out: StartFigures = { floor: [], fresh: [], again: [] };
  for (let i = 0; i < n; i++) {
    out.floor.push(await floor.start());
    await floor.stop();
    out.fresh.push(await startToReady(b, crewAddress(i)));
    b.gt(['session', 'stop', crewAddress(i)]);
    out.again.push(await startToReady(b, crewAddress(i)));
  }
  return out;
}

function startRows(f: StartFigures): Row[] {
  const floor = median(f.floor);
  const target = 1.1 * floor + 100;
  const rowFor = (name: string, samples: number[]): Row =>
    row(name, median(samples), floor, {
      baselineName: 'bare tmux, dialogs pre-accepted',
      target: `≤ 1.1x + 100 ms (${Math.round(target)} ms)`,
      pass: median(samples) <= target,
    });
  return [
    rowFor(
      `start → ready, new agent: dialogs answered ${BENCH_DIALOGS === 'ahead' ? 'ahead, in its config' : 'on screen'} (median of ${f.fresh.length})`,
      f.fresh,
    ),
    rowFor(`start → ready, dialogs already accepted (median of ${f.again.length})`, f.again),
    row(
      `start → ready, new agent (dialogs ${BENCH_DIALOGS}) beside the same agent restarted`,
      median(f.fresh),
      median(f.again),
      {
        baselineName: 'its restart, dialogs already accepted',
        target: '≤ 1.25x',
        pass: median(f.fresh) <= 1.25 * median(f.again),
      },
    ),
  ];
}

/** Waits until the agent is back at its prompt (the turn's reply finished). */
async function idle(b: ClaudeBench, address: string): Promise<void> {
  await untilReady(b, address, 120_000);
}

/** The agent runs `gt handoff -m` with its shell tool; ms to the successor's first request. */
async function handoffs(b: ClaudeBench, address: string, n: number): Promise<number[]> {
  const samples: number[] = [];
  const stamp = join(b.dir, 'handoff-at');
  for (let i = 0; i < n; i++) {
    const marker = `handoff-${i}-${Date.now()}`;
    b.server.push({
      kind: 'bash',
      command: `date +%s%3N > ${stamp}; gt handoff -s bench -m ${marker}`,
    });
    const since = Date.now();
    b.gt(['nudge', address, 'time to hand off']);
    const first = await b.server.waitForRequest(
      (r) =>
        r.main &&
        r.at >= since &&
        r.lastUserText.includes('fresh session of an agent that handed off'),
      60_000,
    );
    samples.push(first.at - Number(readFileSync(stamp, 'utf8').trim()));
    await idle(b, address);
  }
  return samples;
}

interface NudgeFigures {
  ours: number[];
  /** Sent by the native gt, as another agent sends one from its session. */
  native: number[];
  raw: number[];
  lost: { ours: number; native: number; raw: number };
  /** Where a nudge's time goes (ms each): gt nudge returned, typed (Enter pressed), the hook's ack. */
  phases: { returned: number[]; typed: number[]; acked: number[] };
}

/** When the nudge queued after `since` for `address` was typed and acknowledged, from the events. */
async function nudgeTimes(
  b: ClaudeBench,
  address: string,
  since: number,
): Promise<{ typed?: number; acked?: number }> {
  const events = await b.store.listEvents({ sinceTs: since, identity: address });
  return {
    typed: events.find((e) => e.kind === 'nudge.typed')?.ts,
    acked: events.find((e) => e.kind === 'nudge.delivered')?.ts,
  };
}

/** The native gt beside the bench's gt (native/gt.c), when this machine built it. */
export function nativeGt(b: ClaudeBench): string | undefined {
  const file = join(b.gtDir, 'native', 'gt');
  return existsSync(file) ? file : undefined;
}

/** One prompt at a time to an idle agent: gt nudge beside raw send-keys, alternately. */
async function nudges(b: ClaudeBench, floor: FloorSession, n: number): Promise<NudgeFigures> {
  const address = crewAddress(1);
  const out: NudgeFigures = {
    ours: [],
    native: [],
    raw: [],
    lost: { ours: 0, native: 0, raw: 0 },
    phases: { returned: [], typed: [], acked: [] },
  };
  const native = nativeGt(b);
  const one = async (kind: 'ours' | 'native' | 'raw', i: number): Promise<void> => {
    const marker = `${kind}-nudge-${i}-${Date.now()}`;
    const t0 = Date.now();
    if (kind === 'ours') b.gt(['nudge', address, `${marker} SAY:ok`]);
    else if (kind === 'native')
      execFileSync(native ?? '', ['nudge', address, `${marker} SAY:ok`], { env: b.env });
    else floor.type(`${marker} SAY:ok`);
    const returned = Date.now() - t0;
    try {
      out[kind].push((await requestWith(b.server, marker, 20_000)).at - t0);
    } catch {
      out.lost[kind] += 1;
    }
    if (kind === 'ours') {
      await idle(b, address);
      const { typed, acked } = await nudgeTimes(b, address, t0);
      out.phases.returned.push(returned);
      if (typed !== undefined) out.phases.typed.push(typed - t0);
      if (acked !== undefined) out.phases.acked.push(acked - t0);
    }
    if (kind === 'raw')
      await until('the bare Claude Code ready', () => floor.activity() === 'ready');
    else await idle(b, address);
  };
  for (let i = 0; i < n; i++) {
    await one('ours', i);
    if (native !== undefined) await one('native', i);
    await one('raw', i);
  }
  return out;
}

/** Many prompts at once: queued with gt nudge, beside the same typed raw. */
async function manyRows(b: ClaudeBench, agents: number, total: number): Promise<Row[]> {
  if (total === 0) return [];
  for (let i = 0; i < agents; i++) await idle(b, crewAddress(i));
  const ours = await manyNudges(b, agents, total);
  for (let i = 0; i < agents; i++) await idle(b, crewAddress(i));
  const raw = await manyTyped(b, agents, total);
  const name = `${total} prompts across ${agents} agents, a quarter busy`;
  const count = (what: string, n: number, base: number): Row =>
    row(`${name}: ${what}`, n, base, {
      unit: '',
      baselineName: 'typed raw',
      target: '0',
      pass: n === 0,
    });
  return [
    count('lost', ours.lost, raw.lost),
    count('duplicated', ours.duplicated, raw.duplicated),
    row(`${name}: queued (gt nudge × n)`, ours.queued, raw.queued, {
      baselineName: 'all typed raw',
    }),
    row(`${name}: all at the model`, ours.drained, raw.drained, {
      baselineName: 'typed raw, each as soon as the model had the last',
      target: '≤ 1.2x',
      pass: ours.drained <= 1.2 * raw.drained,
    }),
  ];
}

/**
 * The heartbeats daemon/state.json told while `watch` ran: each one's milliseconds, whole and
 * its keep-alive. The one on record when the watch began (before it: the agents starting, say)
 * is left out.
 */
async function heartbeatsDuring(
  root: string,
  watch: Promise<unknown>,
): Promise<Array<{ ms: number; keepAliveMs: number }>> {
  const seen = new Map<number, { ms: number; keepAliveMs: number }>();
  let first: number | undefined;
  let watching = true;
  void watch.finally(() => (watching = false));
  while (watching) {
    try {
      const state = JSON.parse(readFileSync(join(root, 'daemon', 'state.json'), 'utf8')) as {
        heartbeat_count?: number;
        last_heartbeat_ms?: number | null;
        last_heartbeat_keep_alive_ms?: number | null;
      };
      const { heartbeat_count: n, last_heartbeat_ms: ms } = state;
      first ??= n ?? 0;
      if (typeof n === 'number' && typeof ms === 'number' && n > first)
        seen.set(n, { ms, keepAliveMs: state.last_heartbeat_keep_alive_ms ?? Number.NaN });
    } catch {
      // written whole by rename: a read between two is simply tried again
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return [...seen.values()];
}

async function restRows(
  root: string,
  daemon: ChildProcess,
  agents: number,
  watchMs: number,
): Promise<Row[]> {
  const idleNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = nowMs();
    const [d0, i0] = [procStats(daemon.pid ?? 0), procStats(idleNode.pid ?? 0)];
    const beats = await heartbeatsDuring(root, new Promise((r) => setTimeout(r, watchMs)));
    const elapsed = (nowMs() - t0) / 1000;
    const [d1, i1] = [procStats(daemon.pid ?? 0), procStats(idleNode.pid ?? 0)];
    const cpu = (a: { cpuTicks: number }, z: { cpuTicks: number }): number =>
      ((z.cpuTicks - a.cpuTicks) / CLOCK_TICKS / elapsed) * 100;
    const base = { baselineName: 'idle node' };
    const none = { ms: Number.NaN, keepAliveMs: Number.NaN };
    const slowest = beats.reduce((a, x) => (x.ms > a.ms ? x : a), beats[0] ?? none);
    return [
      row(
        `daemon RSS at rest, ${agents} idle Claude Code agents`,
        d1.rssKb / 1024,
        i1.rssKb / 1024,
        {
          ...base,
          unit: 'MB',
          target: '< 150 MB',
          pass: d1.rssKb / 1024 < 150,
        },
      ),
      row(`daemon CPU at rest, ${agents} idle Claude Code agents`, cpu(d0, d1), cpu(i0, i1), {
        ...base,
        unit: '% core',
        target: '< 1%',
        pass: cpu(d0, d1) < 1,
      }),
      row(
        `heartbeat, ${agents} idle Claude Code agents (slowest of ${beats.length})`,
        slowest.ms,
        null,
        { target: '< 100 ms', pass: slowest.ms < 100 },
      ),
      row(
        '… of which keep-alive (the tmux listing, each agent looked at)',
        slowest.keepAliveMs,
        null,
        {},
      ),
    ];
  } finally {
    await stopChild(idleNode, 'SIGKILL');
  }
}

function latencyRows(
  what: string,
  ours: number[],
  base: number[] | null,
  baseName: string | null,
): Row[] {
  return [50, 99].map((p) =>
    row(
      `${what} p${p} (${ours.length} samples)`,
      percentile(ours, p),
      base && percentile(base, p),
      {
        baselineName: baseName,
      },
    ),
  );
}

export async function benchAgents(gtBin: string): Promise<Row[]> {
  const agents = Math.max(2, benchSize('GT_BENCH_AGENTS', 20));
  const startsN = Math.min(agents, benchSize('GT_BENCH_STARTS', 5));
  const b = await claudeBenchTown(gtBin, agents);
  const floor = claudeFloor(b);
  let daemon: ChildProcess | undefined;
  try {
    daemon = await startDaemon(gtBin, b);
    const rows: Row[] = [];
    const s = await starts(b, floor, startsN);
    rows.push(...startRows(s));
    for (let i = startsN; i < agents; i++) b.gt(['session', 'start', crewAddress(i)]);
    for (let i = 0; i < agents; i++) await idle(b, crewAddress(i));
    rows.push(...(await restRows(b.root, daemon, agents, 35_000)));
    await floor.start();
    const n = await nudges(b, floor, benchSize('GT_BENCH_NUDGES', 200));
    rows.push(...latencyRows('gt nudge → model request', n.ours, n.raw, 'raw send-keys + Enter'));
    for (const [phase, samples] of [
      ['gt nudge returned', n.phases.returned],
      ['typed (Enter pressed)', n.phases.typed],
      ['acknowledged by the prompt hook', n.phases.acked],
    ] as const)
      rows.push(
        row(`gt nudge → ${phase} p50`, median(samples), median(n.ours), {
          baselineName: 'gt nudge → model request p50',
        }),
      );
    if (n.native.length > 0)
      rows.push(
        ...latencyRows(
          'gt nudge by the native gt (from a session) → model request',
          n.native,
          n.raw,
          'raw send-keys + Enter',
        ),
      );
    // Each way of calling tmux with a daemon of its own, started with the agents up (its CPU
    // profile, with GT_BENCH_DAEMON_PROFILE, is then the turns'): a control-mode client, and a
    // tmux process per call (the daemon before its control-mode client).
    const turns = benchSize('GT_BENCH_TURNS', 30);
    const warm = benchSize('GT_BENCH_TURNS_WARM', 10);
    for (const how of ['control', 'process'] as const) {
      await stopChild(daemon);
      const env = how === 'process' ? { ...b.env, GT_TMUX_CONTROL: 'off' } : b.env;
      daemon = await startDaemon(gtBin, { ...b, env });
      const cpu = await turnCpu(b, crewAddress(1), daemon.pid ?? 0, turns, warm);
      rows.push(...turnRows(cpu, how));
    }
    await stopChild(daemon);
    daemon = await startDaemon(gtBin, b);
    rows.push(
      row('nudges lost (one at a time)', n.lost.ours, n.lost.raw, {
        unit: '',
        baselineName: 'raw send-keys + Enter',
        target: '0',
        pass: n.lost.ours === 0,
      }),
    );
    const h = await handoffs(b, crewAddress(0), benchSize('GT_BENCH_HANDOFFS', 10));
    rows.push(
      ...latencyRows(
        'handoff by the agent → successor’s first request',
        h,
        s.floor,
        'start → ready floor',
      ),
    );
    rows.push(...(await manyRows(b, agents, benchSize('GT_BENCH_NUDGES_MANY', 1000))));
    return rows;
  } finally {
    if (daemon !== undefined) await stopChild(daemon);
    await floor.stop();
    await b.done();
  }
}
