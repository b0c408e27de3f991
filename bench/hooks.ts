// An agent's report hook as a process, handed to the daemon (the fast path) and done in full,
// in wall time and in CPU time, and `gt nudge` handed to the daemon, each beside `node -e 0`
// run alternately in the same loop; and the daemon's own CPU for each hook it answers.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Row } from './harness.js';
import { benchTown, interleave, median, timeProcess } from './harness.js';
import { CLOCK_TICKS, procCpu, procStats } from './proc.js';

const SECTION = 'startup';
const RUNS = 40;

/** CPU time (ms) of this process's children that have been waited for. */
const childrenCpuMs = (): number => (procCpu(process.pid).children * 1000) / CLOCK_TICKS;

/** Wall time and CPU time of one run of `cmd args`. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): { wall: number; cpu: number } {
  const before = childrenCpuMs();
  const wall = timeProcess(cmd, args, { env });
  return { wall, cpu: childrenCpuMs() - before };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function benchHooks(gtBin: string): Promise<Row[]> {
  const town = benchTown(gtBin, {
    label: 'hooks',
    socket: `gt-bench-h-${process.pid}`,
    agents: 0,
    settings: { daemon: { keep_alive: [] }, lifecycle: { require_verified_sender: false } },
  });
  try {
    const env = { ...town.env, GT_ROLE: 'mayor' };
    const hook = ['agent', 'report', 'prompt', '--inject-mail'];
    const node = (): { wall: number; cpu: number } => timed(process.execPath, ['-e', '0'], env);
    const full = measure(() => timed(process.execPath, [gtBin, ...hook], env), node);
    town.gt(['daemon', 'start']);
    const pid = Number(readFileSync(`${town.root}/daemon/daemon.pid`, 'utf8'));
    const ticks = procStats(pid).cpuTicks;
    const fast = measure(() => timed(process.execPath, [gtBin, ...hook], env), node);
    const daemonCpu = ((procStats(pid).cpuTicks - ticks) * 1000) / CLOCK_TICKS / (RUNS + 1);
    const nudge = ['nudge', 'mayor', 'bench', 'prompt'];
    const nudged = measure(() => timed(process.execPath, [gtBin, ...nudge], env), node);
    // The gt an agent's session runs first, where it was built (native/gt.c).
    const nativeGt = join(dirname(gtBin), 'native', 'gt');
    const native = existsSync(nativeGt)
      ? measure(() => timed(nativeGt, hook, env), node)
      : undefined;
    const commands = commandRows(gtBin, nativeGt, env, node);
    town.gt(['daemon', 'stop']);
    return Promise.resolve([
      ...rows(full, fast, daemonCpu, nudged),
      ...nativeRows(native),
      ...commands,
    ]);
  } finally {
    town.done();
  }
}

interface Measured {
  wall: number;
  cpu: number;
  nodeWall: number;
  nodeCpu: number;
}

function measure(
  run: () => { wall: number; cpu: number },
  node: () => { wall: number; cpu: number },
): Measured {
  const ours: Array<{ wall: number; cpu: number }> = [];
  const base: Array<{ wall: number; cpu: number }> = [];
  interleave(
    RUNS,
    () => (ours.push(run()), 0),
    () => (base.push(node()), 0),
  );
  // The warm-up pair is the first of each.
  const [o, b] = [ours.slice(1), base.slice(1)];
  return {
    wall: median(o.map((x) => x.wall)),
    cpu: mean(o.map((x) => x.cpu)),
    nodeWall: median(b.map((x) => x.wall)),
    nodeCpu: mean(b.map((x) => x.cpu)),
  };
}

const row = (name: string, ours: number, baseline: number, target: number): Row => ({
  section: SECTION,
  name,
  ours,
  baseline,
  baselineName: 'node -e 0',
  unit: 'ms',
  target: `≤ ${target}x`,
  pass: ours <= target * baseline,
});

/** Commands in the forms the daemon answers: by the Node launcher, as installed, in a session. */
const COMMANDS: Array<[string, string[]]> = [
  ['gt mail send', ['mail', 'send', 'mayor', '-s', 'bench', '-m', 'hello']],
  ['gt status', ['status']],
  ['gt handoff --shutdown', ['handoff', '--shutdown']],
  ['gt prime', ['prime']],
];

function commandRows(
  gtBin: string,
  nativeGt: string,
  env: NodeJS.ProcessEnv,
  node: () => { wall: number; cpu: number },
): Row[] {
  const out: Row[] = [];
  for (const [name, args] of COMMANDS) {
    const launched = measure(() => timed(process.execPath, [gtBin, ...args], env), node);
    out.push(
      row(
        `${name} by the Node launcher, answered by the daemon, wall (median)`,
        launched.wall,
        launched.nodeWall,
        1.2,
      ),
    );
    // What a person's shell runs: npm's link to dist/gt (the native gt where it runs).
    const installed = measure(() => timed(join(dirname(gtBin), 'gt'), args, env), node);
    out.push(
      row(
        `${name} as installed (dist/gt), answered by the daemon, wall (median)`,
        installed.wall,
        installed.nodeWall,
        1.2,
      ),
    );
    if (!existsSync(nativeGt)) continue;
    const native = measure(() => timed(nativeGt, args, env), node);
    out.push(
      row(
        `${name} by the native gt (in a session), wall (median)`,
        native.wall,
        native.nodeWall,
        1.2,
      ),
    );
  }
  return out;
}

/** The native gt's rows; a build without one (no C compiler) says so instead of a figure. */
function nativeRows(native: Measured | undefined): Row[] {
  const name = 'the prompt hook by the native gt, answered by the daemon';
  if (native === undefined)
    return [{ ...row(`${name}: not built here`, Number.NaN, Number.NaN, 1.15), pass: false }];
  return [
    row(`${name}, wall (median)`, native.wall, native.nodeWall, 1.15),
    row(`${name}, CPU (mean)`, native.cpu, native.nodeCpu, 1.15),
  ];
}

function rows(full: Measured, fast: Measured, daemonCpu: number, nudged: Measured): Row[] {
  return [
    row('the prompt hook answered by the daemon, wall (median)', fast.wall, fast.nodeWall, 1.15),
    row('the prompt hook answered by the daemon, CPU (mean)', fast.cpu, fast.nodeCpu, 1.15),
    {
      ...row(
        '… and the daemon’s CPU for each hook it answers (mean)',
        daemonCpu,
        fast.nodeCpu,
        0.2,
      ),
    },
    row(
      'the prompt hook with no daemon (gt in full), wall (median)',
      full.wall,
      full.nodeWall,
      1.5,
    ),
    row('the prompt hook with no daemon (gt in full), CPU (mean)', full.cpu, full.nodeCpu, 1.5),
    row('gt nudge answered by the daemon, wall (median)', nudged.wall, nudged.nodeWall, 1.2),
  ];
}
