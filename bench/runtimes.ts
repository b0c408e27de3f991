// Every runtime beyond Claude Code, real (the pinned CLIs of the tests' cache) against the
// scripted model server: start → ready for a new agent (its first-run dialogs answered by
// gastown-ts) and again (already accepted), beside the same CLI started in bare tmux with its
// dialogs accepted in its config; gt nudge → the model's request beside a raw bracketed paste
// and Enter into that bare session. Sizes: GT_BENCH_RUNTIME_STARTS (3), GT_BENCH_RUNTIME_NUDGES
// (10); GT_BENCH_RUNTIMES picks runtimes (codex,gemini,pi,opencode).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { codex } from '../src/agents/runtime/codex.js';
import { gemini } from '../src/agents/runtime/gemini.js';
import { opencode } from '../src/agents/runtime/opencode.js';
import { pi } from '../src/agents/runtime/pi.js';
import type { RuntimeProfile } from '../src/agents/runtime/profile.js';
import { shellQuote } from '../src/sessions/tmux-args.js';
import type { PinnedCli } from '../test/helpers/agent-cli.js';
import { CODEX, ensureCli, GEMINI, OPENCODE, PI } from '../test/helpers/agent-cli.js';
import type { HomeRuntime } from '../test/helpers/runtime-homes.js';
import { RUNTIME_ARGS, writeRuntimeHome } from '../test/helpers/runtime-homes.js';
import type { AgentBench } from './agent-town.js';
import {
  agentBenchTown,
  FloorSession,
  requestWith,
  startDaemon,
  startToReady,
  stopChild,
  until,
  untilReady,
} from './agent-town.js';
import type { Row } from './harness.js';
import { median, percentile, benchSize } from './harness.js';

const SECTION = 'agents';
const ADDRESS = 'alpha/crew/c0';

const RUNTIMES: Record<HomeRuntime, { profile: RuntimeProfile; cli: PinnedCli }> = {
  codex: { profile: codex, cli: CODEX },
  gemini: { profile: gemini, cli: GEMINI },
  pi: { profile: pi, cli: PI },
  opencode: { profile: opencode, cli: OPENCODE },
};

function wanted(): HomeRuntime[] {
  const all = Object.keys(RUNTIMES) as HomeRuntime[];
  const picked = process.env.GT_BENCH_RUNTIMES?.split(',').map((s) => s.trim());
  return picked === undefined ? all : all.filter((r) => picked.includes(r));
}

interface RuntimeBench {
  name: HomeRuntime;
  b: AgentBench;
  /** Where the crew's HOME lives: made again before each new agent. */
  base: string;
  floor: FloorSession;
  bin: string;
}

async function runtimeBench(gtBin: string, name: HomeRuntime): Promise<RuntimeBench> {
  const { profile, cli } = RUNTIMES[name];
  const bin = ensureCli(cli);
  let base = '';
  const b = await agentBenchTown(gtBin, {
    label: `runtime-${name}`,
    crew: 1,
    crewSettings: (server, dir) => {
      base = join(dir, 'crew-home');
      const env = writeRuntimeHome(name, base, server.url);
      const command = [bin, ...RUNTIME_ARGS[name]].map(shellQuote).join(' ');
      return { runtime: name, command, sync: false, env };
    },
  });
  const work = join(b.dir, 'floor-work');
  mkdirSync(work, { recursive: true });
  execFileSync('git', ['init', '--quiet', work]);
  const env = writeRuntimeHome(name, join(b.dir, 'floor-home'), b.server.url, { trusted: work });
  const floor = new FloorSession({
    profile,
    argv: [bin, ...RUNTIME_ARGS[name]],
    env: { ...profile.env({ root: process.getuid?.() === 0 }), ...env },
    work,
  });
  return { name, b, base, floor, bin };
}

/** A new user's HOME for the crew: every trust given before is forgotten. */
function freshHome(r: RuntimeBench): void {
  rmSync(join(r.base, 'home'), { recursive: true, force: true });
  writeRuntimeHome(r.name, r.base, r.b.server.url);
}

interface Figures {
  floor: number[];
  fresh: number[];
  again: number[];
  ours: number[];
  raw: number[];
  lost: { ours: number; raw: number };
}

/** Start → ready, interleaved: the floor, a new agent, the same agent started again. */
async function starts(r: RuntimeBench, n: number, f: Figures): Promise<void> {
  for (let i = 0; i < n; i++) {
    f.floor.push(await r.floor.start());
    await r.floor.stop();
    freshHome(r);
    f.fresh.push(await startToReady(r.b, ADDRESS));
    r.b.gt(['session', 'stop', ADDRESS]);
    f.again.push(await startToReady(r.b, ADDRESS));
    if (i < n - 1) r.b.gt(['session', 'stop', ADDRESS]);
  }
}

/** One prompt at a time to an idle agent: gt nudge beside a raw paste, alternately. */
async function nudges(r: RuntimeBench, n: number, f: Figures): Promise<void> {
  await r.floor.start();
  const one = async (kind: 'ours' | 'raw', i: number): Promise<void> => {
    const marker = `${r.name}-${kind}-nudge-${i}-${Date.now()}`;
    const t0 = Date.now();
    if (kind === 'ours') r.b.gt(['nudge', ADDRESS, `${marker} SAY:ok`]);
    else await r.floor.paste(`${marker} SAY:ok`);
    try {
      f[kind].push((await requestWith(r.b.server, marker, 30_000)).at - t0);
    } catch {
      f.lost[kind] += 1;
    }
    if (kind === 'ours') await untilReady(r.b, ADDRESS, 120_000);
    else await until(`the bare ${r.name} idle`, () => r.floor.idle(), 120_000, 20);
  };
  for (let i = 0; i < n; i++) {
    await one('ours', i);
    await one('raw', i);
  }
}

function rowsOf(name: HomeRuntime, f: Figures): Row[] {
  const version = RUNTIMES[name].cli.version;
  const row = (what: string, ours: number, baseline: number, baselineName: string): Row => ({
    section: SECTION,
    name: `${name} ${version}: ${what}`,
    ours,
    baseline,
    baselineName,
    unit: 'ms',
    target: '',
    pass: null,
  });
  const bare = 'bare tmux, dialogs pre-accepted';
  const raw = 'raw paste + Enter, bare tmux';
  return [
    row(
      `start → ready, new agent (median of ${f.fresh.length})`,
      median(f.fresh),
      median(f.floor),
      bare,
    ),
    row(
      `start → ready, dialogs accepted (median of ${f.again.length})`,
      median(f.again),
      median(f.floor),
      bare,
    ),
    row(
      `gt nudge → model request p50 (${f.ours.length})`,
      percentile(f.ours, 50),
      percentile(f.raw, 50),
      raw,
    ),
    row(
      `gt nudge → model request p90 (${f.ours.length})`,
      percentile(f.ours, 90),
      percentile(f.raw, 90),
      raw,
    ),
    {
      ...row('nudges lost', f.lost.ours, f.lost.raw, raw),
      unit: '',
      target: '0',
      pass: f.lost.ours === 0,
    },
  ];
}

async function benchRuntime(gtBin: string, name: HomeRuntime): Promise<Row[]> {
  const r = await runtimeBench(gtBin, name);
  const daemon = await startDaemon(gtBin, r.b);
  const f: Figures = {
    floor: [],
    fresh: [],
    again: [],
    ours: [],
    raw: [],
    lost: { ours: 0, raw: 0 },
  };
  try {
    await starts(r, benchSize('GT_BENCH_RUNTIME_STARTS', 3), f);
    await nudges(r, benchSize('GT_BENCH_RUNTIME_NUDGES', 10), f);
    return rowsOf(name, f);
  } finally {
    await stopChild(daemon);
    await r.floor.stop();
    await r.b.done();
  }
}

/** The rows of every runtime asked for, one town at a time. */
export async function benchRuntimes(gtBin: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of wanted()) {
    console.error(`bench: agents: ${name}…`);
    rows.push(...(await benchRuntime(gtBin, name)));
  }
  return rows;
}
