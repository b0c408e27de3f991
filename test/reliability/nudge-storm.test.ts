// Nudge storm: prompts sent to real Claude Code agents (the pinned CLI, against the scripted
// model server) while the daemon is SIGKILLed at random instants, its process group or its
// pid alone, and started again by the test or by the next gt nudge. Every prompt must reach
// the model exactly once, each acknowledged only by its hook, and every gt nudge that queued
// one must exit 0. A run without kills is measured beside it (npm run stress prints both).
import { describe, expect, it } from 'vitest';
import { claudeTown } from '../helpers/claude.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { endDaemons } from '../helpers/town.js';
import type { Rng } from './helpers.js';
import { rng, seeded, storePath, STRESS } from './helpers.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NudgeStatus } from '../../src/store/store.js';
import type { ModelServer } from '../../src/demo/model-server.js';

const CREW = STRESS ? ['ann', 'bob', 'cat', 'dan'] : ['ann', 'bob'];
const NUDGES = STRESS ? 200 : 24;
const MIN_KILLS = STRESS ? 30 : 6;
const address = (name: string): string => `alpha/crew/${name}`;
const PENDING = ['queued', 'typing', 'typed'];
const CLAIMED: NudgeStatus[] = ['typing', 'typed'];

interface NudgeJson {
  id: string;
  to: string;
  text: string;
  status: string;
  ack: string | null;
  error: string | null;
  created_at: string;
}

interface Sent {
  marker: string;
  to: string;
  at: number;
  code: number | null;
  stderr: string;
}

interface Figures {
  kills: { group: number; pid: number };
  sent: number;
  lost: number;
  duplicated: number;
  unacknowledged: number;
  failedCommands: number;
  p50: number;
  p95: number;
  max: number;
}

async function daemonPid(town: TestTown): Promise<number | null> {
  const out = await town.gt(['daemon', 'status', '--json']);
  return out.code === 0 ? (JSON.parse(out.stdout) as { pid: number | null }).pid : null;
}

async function untilReady(town: TestTown, names: readonly string[]): Promise<void> {
  await waitFor(
    'every agent ready',
    async () => {
      const status = JSON.parse(await town.gtOk(['status', '--json'])) as {
        agents: Array<{ address: string; activity: string | null }>;
      };
      return names.every(
        (n) => status.agents.find((a) => a.address === address(n))?.activity === 'ready',
      );
    },
    90_000,
    200,
  );
}

/** Sends the prompts, a few at a time, some with a slow reply so later ones meet a busy agent. */
async function sendAll(town: TestTown, rand: Rng, count: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const name = rand.pick(CREW);
      const marker = `storm-${i}-${rand.int(0, 1e9).toString(36)}`;
      const tail = rand.chance(0.25) ? `DELAY:${rand.int(500, 2500)}` : `SAY:ok ${i}`;
      const at = Date.now();
      const run = await town.gt(['nudge', address(name), `note ${marker} ${tail}`], {
        timeoutMs: 60_000,
      });
      sent.push({ marker, to: address(name), at, code: run.code, stderr: run.stderr });
      // Spread over the storm, so prompts keep arriving while daemons die.
      await new Promise((r) => setTimeout(r, rand.int(200, 2000)));
    }
  };
  await Promise.all([sender(), sender(), sender()]);
  return sent;
}

/** Resolves when a prompt is claimed for typing or just typed, or at `deadline`. */
async function claimSeen(store: SqliteStore, deadline: number, done: () => boolean): Promise<void> {
  const known = new Set((await store.listNudges({ statuses: CLAIMED })).map((n) => n.id));
  await waitFor(
    'a prompt claimed for typing',
    async () =>
      done() ||
      Date.now() >= deadline ||
      (await store.listNudges({ statuses: CLAIMED })).some((n) => !known.has(n.id)),
    10_000,
    2,
  );
}

/**
 * SIGKILLs the daemon every 0.5–3 s (0.3–2 s in the small run), its group or its pid, until
 * `done`: half the kills at a random instant, half the moment a prompt is claimed for typing
 * (the window between the claim and the paste). While prompts are still being sent, half the
 * time the next gt nudge has to start the next daemon.
 */
async function killer(
  town: TestTown,
  rand: Rng,
  sending: () => boolean,
  done: () => boolean,
): Promise<Figures['kills']> {
  const kills = { group: 0, pid: 0 };
  const store = SqliteStore.open(storePath(town));
  try {
    while (!done()) {
      const deadline = Date.now() + (STRESS ? rand.int(500, 3000) : rand.int(300, 2000));
      // Asked before the wait: a kill in the claim's window cannot wait for a gt process.
      const pid = await daemonPid(town);
      if (pid === null) {
        await town.gt(['daemon', 'start']);
        continue;
      }
      if (rand.chance(0.5)) await claimSeen(store, deadline + 3000, done);
      else await waitFor('the next kill', () => done() || Date.now() >= deadline, 10_000, 20);
      if (done()) break;
      const group = rand.chance(0.5);
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
      } catch {
        continue; // it had gone by itself
      }
      kills[group ? 'group' : 'pid'] += 1;
      if (!sending() || rand.chance(0.5)) await town.gt(['daemon', 'start']);
    }
  } finally {
    await store.close();
  }
  return kills;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

async function storm(withKills: boolean): Promise<{ figures: Figures; problems: string[] }> {
  const rand = seeded(withKills ? 'nudge-storm' : 'nudge-storm-control');
  const { town, server } = await claudeTown({}, {}, CREW);
  await town.gtOk(['daemon', 'start']);
  for (const name of CREW) await town.gtOk(['session', 'start', address(name)]);
  await untilReady(town, CREW);
  let sending = true;
  let settledAll = false;
  const sends = sendAll(town, rng(rand.seed + 1), NUDGES).finally(() => (sending = false));
  const chaos = withKills
    ? killer(
        town,
        rng(rand.seed + 2),
        () => sending,
        () => settledAll,
      )
    : Promise.resolve({ group: 0, pid: 0 });
  const sent = await sends;
  const settled = await waitFor(
    'every prompt settled',
    async () => {
      const all = JSON.parse(
        await town.gtOk(['nudge', '--list', '--all', '--json']),
      ) as NudgeJson[];
      const done = all.length === sent.length && all.every((n) => !PENDING.includes(n.status));
      return done ? all : undefined;
    },
    STRESS ? 600_000 : 180_000,
    500,
  ).finally(() => (settledAll = true));
  const kills = await chaos;
  await endDaemons(town.root);
  return tally(sent, settled, server, kills);
}

function tally(
  sent: Sent[],
  settled: NudgeJson[],
  server: ModelServer,
  kills: Figures['kills'],
): { figures: Figures; problems: string[] } {
  const problems: string[] = [];
  const delays: number[] = [];
  const counts = { lost: 0, duplicated: 0, unacknowledged: 0 };
  for (const s of sent) {
    const seen = server.requests.filter((r) => r.main && r.lastUserText.includes(s.marker));
    const nudge = settled.find((n) => n.text.includes(s.marker));
    if (seen.length === 0) counts.lost += 1;
    if (seen.length > 1) counts.duplicated += 1;
    if (nudge?.status !== 'delivered' || nudge.ack !== 'hook') counts.unacknowledged += 1;
    if (seen.length !== 1 || nudge?.status !== 'delivered' || nudge.ack !== 'hook')
      problems.push(
        `${s.marker} to ${s.to}: reached the model ${seen.length} times; ${nudge?.status ?? 'not stored'} ack ${nudge?.ack ?? '-'} ${nudge?.error ?? ''}`,
      );
    if (seen[0] !== undefined) delays.push(seen[0].at - s.at);
  }
  const failedCommands = sent.filter((s) => s.code !== 0);
  for (const s of failedCommands)
    problems.push(`gt nudge for ${s.marker} exited ${s.code}: ${s.stderr.trim()}`);
  delays.sort((a, b) => a - b);
  const figures: Figures = {
    kills,
    sent: sent.length,
    ...counts,
    failedCommands: failedCommands.length,
    p50: percentile(delays, 50),
    p95: percentile(delays, 95),
    max: delays[delays.length - 1] ?? NaN,
  };
  return { figures, problems };
}

describe('nudge storm: real Claude Code agents, the daemon SIGKILLed at random', () => {
  it(
    `${NUDGES} prompts to ${CREW.length} agents under at least ${MIN_KILLS} kills: none lost, none twice, each acknowledged by its hook`,
    async () => {
      const { figures, problems } = await storm(true);
      console.log(`[nudge-storm] ${JSON.stringify(figures)}`);
      expect(problems).toEqual([]);
      expect(figures.kills.group + figures.kills.pid).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(figures.kills.group).toBeGreaterThan(0);
      expect(figures.kills.pid).toBeGreaterThan(0);
    },
    STRESS ? 1_200_000 : 300_000,
  );

  // The control run only where its figures are wanted (npm run stress): not a skipped test.
  if (STRESS)
    it('the same prompts without kills (the control run)', async () => {
      const { figures, problems } = await storm(false);
      console.log(`[nudge-storm-control] ${JSON.stringify(figures)}`);
      expect(problems).toEqual([]);
    }, 1_200_000);
});
