// The CPU our side spends on a Claude Code turn: prompts sent one at a time with gt nudge to an
// idle agent, the daemon's CPU (all of it: its own, the tmux clients it starts, its control-mode
// client) and the children Claude Code waited for (our hooks), beside Claude Code's own.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ClaudeBench } from './claude-town.js';
import { requestWith, untilReady } from './agent-town.js';
import type { Row } from './harness.js';
import { row } from './agent-rows.js';
import { agentProcess, procCpu, treeCpu } from './proc.js';

export interface TurnCpu {
  turns: number;
  /** Turns before the counted ones, not counted. */
  warm: number;
  lost: number;
  /** Ticks over all the turns. */
  claude: number;
  children: number;
  daemon: number;
}

/** The pid of the agent's CLI, from its session's pane. */
export function cliPid(b: ClaudeBench, address: string): number {
  const sessions = JSON.parse(b.gt(['session', 'list', '--json'])) as Array<{
    identity: string;
    pid: number | null;
  }>;
  const pane = sessions.find((s) => s.identity === address)?.pid;
  if (pane == null) throw new Error(`bench: no pane pid for ${address}`);
  return agentProcess(pane);
}

/**
 * `n` turns of the agent, each a prompt sent with gt nudge and waited for until it is idle,
 * after `warm` turns not counted: a daemon just started spends its first turns compiling its
 * own code (V8's background compilers run beside it), a cost it pays once in hours of work.
 */
export async function turnCpu(
  b: ClaudeBench,
  address: string,
  daemonPid: number,
  n: number,
  warm: number,
): Promise<TurnCpu> {
  const out: TurnCpu = { turns: n, warm, lost: 0, claude: 0, children: 0, daemon: 0 };
  const claude = cliPid(b, address);
  await untilReady(b, address, 120_000);
  for (let i = 0; i < warm; i++) await oneTurn(b, address, `warm-${i}`);
  const perf = perfOf(daemonPid);
  const execs = execsOf(claude);
  for (let i = 0; i < n; i++) {
    const [c0, d0] = [procCpu(claude), treeCpu(daemonPid)];
    if (!(await oneTurn(b, address, `turn-${i}`))) out.lost += 1;
    const [c1, d1] = [procCpu(claude), treeCpu(daemonPid)];
    out.claude += c1.own - c0.own;
    out.children += c1.children - c0.children;
    out.daemon += d1 - d0;
  }
  await perf?.();
  await execs?.();
  return out;
}

/** A prompt sent with gt nudge, until the agent is idle again; false when it never reached the model. */
async function oneTurn(b: ClaudeBench, address: string, name: string): Promise<boolean> {
  const marker = `${name}-${Date.now()}`;
  b.gt(['nudge', address, `${marker} SAY:ok`]);
  const reached = await requestWith(b.server, marker, 20_000).then(
    () => true,
    () => false,
  );
  await untilReady(b, address, 120_000);
  return reached;
}

/** GT_BENCH_PERF=<folder>: perf records the daemon over the turns (its CPU, kernel's too). */
function perfOf(pid: number): (() => Promise<void>) | undefined {
  const dir = process.env.GT_BENCH_PERF;
  if (dir === undefined) return undefined;
  const out = join(dir, `perf-${pid}.data`);
  return traced('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', out]);
}

/** GT_BENCH_EXECS=<folder>: every program the CLI starts over the turns (its hooks, its own). */
function execsOf(pid: number): (() => Promise<void>) | undefined {
  const dir = process.env.GT_BENCH_EXECS;
  if (dir === undefined) return undefined;
  const out = join(dir, `execs-${pid}.txt`);
  return traced('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', out, '-p', String(pid)]);
}

/** A tracer started now; the function ends it and resolves once it has written its file. */
function traced(program: string, args: string[]): () => Promise<void> {
  const child = spawn(program, args, { stdio: 'ignore' });
  return () =>
    new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
}

/** CPU per turn, the daemon's tmux calls over its control-mode client or a process each. */
export function turnRows(t: TurnCpu, how: 'control' | 'process'): Row[] {
  const ours = t.children + t.daemon;
  const ticks = {
    unit: 'ticks',
    baselineName: `Claude Code’s own on those ${t.turns} turns (after ${t.warm} not counted)`,
  };
  const label =
    how === 'control'
      ? 'CPU per turn: our hooks and the daemon'
      : '… the same turns, GT_TMUX_CONTROL=off';
  return [
    row(label, ours, t.claude, {
      ...ticks,
      ...(how === 'control' ? { target: '≤ 0.1x', pass: ours <= 0.1 * t.claude } : {}),
    }),
    row('… of which the daemon (its tmux clients too)', t.daemon, t.claude, ticks),
    row(
      '… of which the children Claude Code waited for (our hooks, its own)',
      t.children,
      t.claude,
      ticks,
    ),
    row('… turns whose prompt never reached the model', t.lost, null, {
      unit: '',
      target: '0',
      pass: t.lost === 0,
    }),
  ];
}
