// Continuity: a real Claude Code agent killed (SIGKILL to its process group) and brought back by
// the daemon, resuming its conversation (`agents.crew.resume: auto`), beside the same agent
// brought back fresh (`resume: never`), alternately in the same run. Kill → ready, and kill → the first
// model request of the new session (the restart prompt, or the fresh session's first prompt is
// none: the kill → ready figure is the one to compare). The daemon's heartbeat is 1 s in both,
// so both include the same wait for the death to be noticed. Size: GT_BENCH_CRASHES (5).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { requestWith, startDaemon, stopChild, until, untilReady } from './agent-town.js';
import type { ClaudeBench } from './claude-town.js';
import { claudeBenchTown } from './claude-town.js';
import type { Row } from './harness.js';
import { median, nowMs, benchSize } from './harness.js';

const SECTION = 'continuity';
const ADDRESS = 'alpha/crew/c0';
const SESSION = 'gt-alpha-crew-c0';

/** The town's settings with c0 kept alive, a 1 s heartbeat, and crew resuming or not. */
function configure(b: ClaudeBench, resume: 'auto' | 'never'): void {
  const file = join(b.root, 'settings', 'config.json');
  const settings = JSON.parse(readFileSync(file, 'utf8')) as {
    daemon: Record<string, unknown>;
    agents: { crew: Record<string, unknown> };
  };
  settings.daemon = { ...settings.daemon, keep_alive: [ADDRESS], heartbeat: '1s' };
  settings.agents.crew = { ...settings.agents.crew, resume };
  writeFileSync(file, JSON.stringify(settings));
}

function panePid(b: ClaudeBench): number {
  const out = execFileSync(
    'tmux',
    ['-L', b.socket, 'list-panes', '-t', SESSION, '-F', '#{pane_pid}'],
    {
      encoding: 'utf8',
    },
  );
  return Number(out.trim());
}

/** The agent's events, screen and pending prompts: what a failed wait shows. */
function story(b: ClaudeBench): string {
  let screen: string;
  try {
    const capture = ['-L', b.socket, 'capture-pane', '-p', '-t', SESSION];
    screen = execFileSync('tmux', capture, { encoding: 'utf8' });
  } catch (e) {
    screen = String(e);
  }
  const events = b.gt(['events', '--agent', ADDRESS, '-n', '30']);
  const nudges = b.gt(['nudge', '--list', '--json']);
  return `--- events\n${events}\n--- screen\n${screen}\n--- nudges\n${nudges}`;
}

interface Crash {
  ready: number;
  firstRequest: number | null;
}

/** One crash of a busy-free agent that has a conversation: kill → ready (and → restart prompt). */
async function crash(b: ClaudeBench, i: number, resumed: boolean): Promise<Crash> {
  const marker = `continuity-${resumed ? 'r' : 'f'}-${i}-${Date.now()}`;
  b.gt(['nudge', ADDRESS, `remember ${marker} SAY:ok`]);
  await requestWith(b.server, marker);
  await untilReady(b, ADDRESS, 120_000);
  // Its conversation on record, or there is nothing to resume.
  await until(
    'the conversation on record',
    async () => (await b.store.getAgent(ADDRESS))?.conversationId != null,
  );
  // Each crash a first one: no backoff of the crash-loop policy in the figure.
  b.gt(['daemon', 'clear-backoff', ADDRESS]);
  const pid = panePid(b);
  const since = Date.now();
  const t0 = nowMs();
  process.kill(-pid, 'SIGKILL');
  await until(
    'a new session',
    async () => ((await b.store.getAgent(ADDRESS))?.startedAt ?? 0) > since,
    60_000,
  );
  await untilReady(b, ADDRESS, 120_000);
  const ready = nowMs() - t0;
  let firstRequest: number | null = null;
  if (resumed) {
    const first = await b.server.waitForRequest(
      (r) => r.main && r.at >= since && r.lastUserText.includes('your conversation was resumed'),
      60_000,
    );
    firstRequest = first.at - since;
    await untilReady(b, ADDRESS, 120_000);
  }
  return { ready, firstRequest };
}

/** The daemon takes changed settings up at its next heartbeat (1 s here): two and a half. */
const SETTINGS_TAKEN_MS = 2_500;

/** Crashes alternating resumed and fresh (each mode first every other time), under one daemon. */
async function crashes(
  gtBin: string,
  b: ClaudeBench,
  n: number,
): Promise<{ resumed: Crash[]; fresh: Crash[] }> {
  configure(b, 'auto');
  const daemon: ChildProcess = await startDaemon(gtBin, b);
  const out = { resumed: [] as Crash[], fresh: [] as Crash[] };
  try {
    await untilReady(b, ADDRESS, 120_000);
    for (let i = 0; i < n; i++) {
      const modes: Array<'auto' | 'never'> = i % 2 === 0 ? ['auto', 'never'] : ['never', 'auto'];
      for (const mode of modes) {
        configure(b, mode);
        await new Promise((r) => setTimeout(r, SETTINGS_TAKEN_MS));
        const one = await crash(b, i, mode === 'auto').catch((err: unknown) => {
          throw new Error(`${String(err)}\n${story(b)}`, { cause: err });
        });
        (mode === 'auto' ? out.resumed : out.fresh).push(one);
      }
    }
    return out;
  } finally {
    await stopChild(daemon);
  }
}

export async function benchContinuity(gtBin: string): Promise<Row[]> {
  const n = benchSize('GT_BENCH_CRASHES', 5);
  const b = await claudeBenchTown(gtBin, 1);
  try {
    const { resumed, fresh } = await crashes(gtBin, b, n);
    const freshReady = median(fresh.map((c) => c.ready));
    const base = { section: SECTION, unit: 'ms', baselineName: 'crash → fresh agent ready' };
    return [
      {
        ...base,
        name: `crash → resumed agent ready (median of ${n})`,
        ours: median(resumed.map((c) => c.ready)),
        baseline: freshReady,
        target: 'beside fresh',
        pass: null,
      },
      {
        ...base,
        name: `crash → resumed agent's restart prompt at the model (median of ${n})`,
        ours: median(resumed.map((c) => c.firstRequest ?? Number.NaN)),
        baseline: freshReady,
        target: 'beside fresh ready',
        pass: null,
      },
    ];
  } finally {
    await b.done();
  }
}
