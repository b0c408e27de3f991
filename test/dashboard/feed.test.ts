// The shared reader: however many clients, one read of the town per refresh interval, and none
// while no one watches; every client gets each change and each event once. Timers are faked,
// so "none while no one watches" is shown by moving the clock, not by waiting.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedClient } from '../../src/dashboard/feed.js';
import { TownFeed } from '../../src/dashboard/feed.js';
import type { TownStatus } from '../../src/status/town.js';
import type { StoredEvent } from '../../src/store/store.js';
import { MemoryStore } from '../helpers/memory-store.js';

function fakeStatus(name: string, uptime = 0): TownStatus {
  return {
    name,
    location: '/town',
    daemon: {
      running: false,
      pid: null,
      host: 'h',
      started_at: null,
      uptime_seconds: uptime,
      last_heartbeat: null,
      heartbeat_count: null,
      supervised: false,
    },
    agents: [],
    rigs: [],
    summary: {
      rig_count: 0,
      crew_count: 0,
      witness_count: 0,
      refinery_count: 0,
      agent_count: 0,
      running_count: 0,
    },
    requests: { open: 0, claimed: 0, done: 0, dead: 0, dead_letters: [] },
    notifications: { pending: 0, dead: 0, recent: [], failing: [] },
  };
}

/** A client that keeps what it is sent. */
function client(): { statuses: string[]; events: StoredEvent[]; sink: FeedClient } {
  const statuses: string[] = [];
  const events: StoredEvent[] = [];
  return {
    statuses,
    events,
    sink: { status: (json) => statuses.push(json), events: (e) => events.push(...e) },
  };
}

describe('TownFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads once per interval for 50 clients, and not at all with none', async () => {
    const store = new MemoryStore();
    let reads = 0;
    let name = 'a';
    const feed = new TownFeed({
      store,
      refreshMs: 1000,
      eventsMs: 250,
      readStatus: () => {
        reads += 1;
        return Promise.resolve(fakeStatus(name, reads));
      },
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads).toBe(0);
    const clients = Array.from({ length: 50 }, () => {
      const c = client();
      return { c, leave: feed.join(c.sink) };
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toBeGreaterThanOrEqual(9);
    expect(reads).toBeLessThanOrEqual(10);
    // Only uptime changed: no status pushed. A real change reaches everyone once.
    expect(clients.every(({ c }) => c.statuses.length === 1)).toBe(true);
    name = 'b';
    await vi.advanceTimersByTimeAsync(1000);
    expect(clients.every(({ c }) => c.statuses.length === 2)).toBe(true);
    await store.recordEvent({ kind: 'nudge.queued', identity: 'mayor' });
    await vi.advanceTimersByTimeAsync(300);
    expect(clients.every(({ c }) => c.events.map((e) => e.kind).join() === 'nudge.queued')).toBe(
      true,
    );
    for (const { leave } of clients) leave();
    const after = reads;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toBe(after);
  });

  it('serves asks within the interval from one read, and shares a read in flight', async () => {
    let reads = 0;
    const feed = new TownFeed({
      store: new MemoryStore(),
      refreshMs: 1000,
      eventsMs: 250,
      readStatus: () => {
        reads += 1;
        return Promise.resolve(fakeStatus('t'));
      },
    });
    const all = await Promise.all(Array.from({ length: 20 }, () => feed.status()));
    expect(new Set(all).size).toBe(1);
    await feed.status();
    expect(reads).toBe(1);
    await vi.advanceTimersByTimeAsync(1001);
    await feed.status();
    expect(reads).toBe(2);
  });

  it('keeps the newest events for a client that names no Last-Event-ID', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 120; i++)
      await store.recordEvent({ kind: 'agent.activity', reason: `${i}` });
    const feed = new TownFeed({
      store,
      refreshMs: 1000,
      eventsMs: 250,
      readStatus: () => Promise.resolve(fakeStatus('t')),
    });
    const recent = await feed.recent();
    expect(recent).toHaveLength(100);
    expect(recent.at(-1)?.reason).toBe('119');
    await store.recordEvent({ kind: 'agent.activity', reason: 'new' });
    expect((await feed.recent()).at(-1)?.reason).toBe('new');
  });
});
