// Crash suite: a stream of lifecycle requests from five agents while the daemon is SIGKILLed
// at random instants and started again. Every request must take effect exactly once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Message } from '../../src/store/store.js';
import { waitFor } from '../helpers/temp.js';
import type { DaemonProcess, TestTown } from '../helpers/town.js';
import { agentEnv, makeTown, runDaemon, starts } from '../helpers/town.js';
import type { Rng } from './helpers.js';
import { rng, seeded, STRESS, storePath } from './helpers.js';

const CREW = ['ann', 'bob', 'cat', 'dan', 'eve'];
const REQUESTS = STRESS ? 1000 : 200;
const address = (name: string): string => `alpha/crew/${name}`;
const session = (name: string): string => `gt-alpha-crew-${name}`;

interface Tally {
  /** Cycles and restarts that settled done (each starts the agent once). */
  replaced: number;
  /** Starts made by hand after a shutdown. */
  manual: number;
  shutdowns: number;
  problems: string[];
}

type Action = 'cycle' | 'restart' | 'shutdown';

async function settle(store: SqliteStore, id: string, what: string): Promise<Message> {
  return waitFor(
    what,
    async () => {
      const msg = await store.getMessage(id);
      return msg !== undefined && (msg.status === 'done' || msg.status === 'dead')
        ? msg
        : undefined;
    },
    120_000,
    40,
  );
}

/** One agent's requests, one after the other: each waits for the last to settle. */
async function drive(
  town: TestTown,
  store: SqliteStore,
  name: string,
  count: number,
  rand: Rng,
): Promise<Tally> {
  const tally: Tally = { replaced: 0, manual: 0, shutdowns: 0, problems: [] };
  for (let i = 0; i < count; i++) {
    const action: Action = rand.chance(0.05)
      ? 'shutdown'
      : rand.pick<Action>(['cycle', 'cycle', 'restart']);
    const env = agentEnv(town, address(name), session(name));
    const sent = await town.gt(['handoff', '--no-daemon', `--${action}`, '--json'], { env });
    if (sent.code !== 0) {
      tally.problems.push(`${name} #${i}: gt handoff exited ${sent.code}: ${sent.stderr.trim()}`);
      return tally;
    }
    const { message_id: id } = JSON.parse(sent.stdout) as { message_id: string };
    const msg = await settle(store, id, `${address(name)} request #${i} (${id}) to settle`);
    if (msg.status !== 'done' || !(msg.outcome ?? '').startsWith('done')) {
      tally.problems.push(
        `${name} #${i} ${action} ${id}: ${msg.status} ${msg.outcome ?? ''} ${msg.lastError ?? ''}`,
      );
      continue;
    }
    if (action !== 'shutdown') {
      tally.replaced += 1;
      continue;
    }
    tally.shutdowns += 1;
    await town.gtOk(['session', 'start', address(name)]);
    tally.manual += 1;
  }
  return tally;
}

/** SIGKILLs the daemon at random instants and starts a new one, until `done` says stop. */
async function killer(
  town: TestTown,
  first: DaemonProcess,
  rand: Rng,
  done: () => boolean,
): Promise<{ kills: number; daemon: DaemonProcess }> {
  let daemon = first;
  let kills = 0;
  while (!done()) {
    const delay = rand.int(0, 1200);
    const deadline = Date.now() + delay;
    // Wakes early when the drivers finish, so the test does not wait out a long delay.
    await waitFor(
      'the next kill instant',
      () => done() || Date.now() >= deadline,
      delay + 5000,
      10,
    );
    if (done()) break;
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    kills += 1;
    daemon = await runDaemon(town);
  }
  return { kills, daemon };
}

describe('crash suite: SIGKILL the daemon at random instants', () => {
  it(
    `${REQUESTS} requests from ${CREW.length} agents take effect exactly once`,
    async () => {
      const rand = seeded('crash');
      // A daemon killed again and again while it holds the same request dead-letters that
      // request after lifecycle.max_attempts claims (bounded work over exactly-once, by
      // design). Kills here follow each restart closely, so the orphaned request is often the
      // one in hand: the bound is raised so that the test checks exactly-once, not the bound.
      const town = await makeTown({
        crew: CREW,
        settings: { lifecycle: { retry_backoff: '50ms', max_attempts: 12 } },
      });
      for (const name of CREW) await town.gtOk(['session', 'start', address(name)]);
      await waitFor('every agent started', () => starts(town).length === CREW.length);
      const store = SqliteStore.open(storePath(town));
      try {
        let finished = false;
        const first = await runDaemon(town);
        const perAgent = REQUESTS / CREW.length;
        const drivers = Promise.all(
          CREW.map((name, i) => drive(town, store, name, perAgent, rng(rand.seed + 1 + i))),
        ).finally(() => {
          finished = true;
        });
        const chaos = killer(town, first, rng(rand.seed + 100), () => finished);
        const [tallies, { kills, daemon }] = await Promise.all([drivers, chaos]);
        const context = `seed ${rand.seed}, ${kills} kills`;
        console.log(`[crash] ${REQUESTS} requests, ${kills} SIGKILLs of the daemon (${context})`);

        expect(
          tallies.flatMap((t) => t.problems),
          context,
        ).toEqual([]);
        expect(kills, context).toBeGreaterThanOrEqual(STRESS ? 50 : 10);
        const counts = await store.countByStatus('deacon');
        expect(counts, context).toEqual({ open: 0, claimed: 0, done: REQUESTS, dead: 0 });
        CREW.forEach((name, i) => {
          const t = tallies[i];
          const expected = 1 + (t?.replaced ?? 0) + (t?.manual ?? 0);
          expect(starts(town, address(name)), `${name}: ${context}`).toHaveLength(expected);
          const state = JSON.parse(
            readFileSync(join(town.root, 'alpha', 'crew', name, 'state.json'), 'utf8'),
          ) as Record<string, unknown>;
          expect(Object.keys(state).filter((k) => k.startsWith('requesting_'))).toEqual([]);
        });
        expect(store.integrityCheck()).toBe('ok');
        expect(daemon.child.exitCode).toBeNull();
        daemon.child.kill('SIGTERM');
        expect(await daemon.exited).toBe(0);
      } finally {
        await store.close();
      }
    },
    STRESS ? 1_800_000 : 170_000,
  );
});
