// The lifecycle protocol end to end: real gt processes, real tmux, real SQLite.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, events, makeTown, runDaemon, starts } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const MAX_SESSION = 'gt-alpha-crew-max';

function state(town: TestTown, rel = 'alpha/crew/max/state.json'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(town.root, rel), 'utf8')) as Record<string, unknown>;
}

async function sessionPid(town: TestTown, session = MAX_SESSION): Promise<number | null> {
  const list = JSON.parse(await town.gtOk(['session', 'list', '--json'])) as Array<{
    session: string;
    pid: number | null;
    state: string;
  }>;
  const found = list.find((s) => s.session === session);
  return found && found.state === 'alive' ? found.pid : null;
}

async function withStore<T>(town: TestTown, fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = SqliteStore.open(join(town.root, '.gt', 'town.db'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('handoff → daemon', () => {
  it('replaces the session exactly once, clears the flags, records the event', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('the first start', () => starts(town, MAX).length === 1);
    const before = await sessionPid(town);
    await runDaemon(town);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--wait', '--json', '-m', 'context full'], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as Record<string, unknown>;
    expect(out).toMatchObject({
      identity: MAX,
      action: 'cycle',
      status: 'done',
      outcome: 'done',
      daemon_poked: true,
    });
    await waitFor('the new agent to log its start', () => starts(town, MAX).length === 2);
    const after = await sessionPid(town);
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    expect(Object.keys(state(town)).filter((k) => k.startsWith('requesting_'))).toEqual([]);
    const done = (await events(town)).filter((e) => e.kind === 'request.done');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ identity: MAX, action: 'cycle', outcome: 'done' });
    expect(starts(town, MAX)).toHaveLength(2);
  });

  it('restart replaces the session; shutdown ends it and keep-alive leaves it down', async () => {
    const town = await makeTown({
      settings: { daemon: { heartbeat: '200ms', keep_alive: ['*/crew/*'] } },
    });
    await town.gtOk(['session', 'start', MAX]);
    await runDaemon(town);
    await town.gtOk(['handoff', '--no-daemon', '--restart', '--wait'], {
      env: agentEnv(town, MAX, MAX_SESSION),
    });
    await waitFor('the restart', () => starts(town, MAX).length === 2);
    const out = await town.gt(['handoff', '--no-daemon', '--shutdown', '--wait'], {
      env: agentEnv(town, MAX, MAX_SESSION),
    });
    expect(out.code).toBe(0);
    expect(await sessionPid(town)).toBeNull();
    // several heartbeats pass; the agent must stay down
    const seen = (await events(town)).length;
    await waitFor(
      'a few more heartbeats',
      async () =>
        (JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as { heartbeat_count: number })
          .heartbeat_count >= 4,
    );
    expect(starts(town, MAX)).toHaveLength(2);
    expect((await events(town)).slice(seen).filter((e) => e.kind === 'agent.restarted')).toEqual(
      [],
    );
  });

  it('the seed’s P0: stale requests never touch a session and are closed once, with their reason', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    const env = agentEnv(town, MAX, MAX_SESSION);
    // 1: days-old LIFECYCLE mail, verified and with the flag set
    await withStore(town, async (store) => {
      await store.sendMessage({
        from: MAX,
        to: 'deacon',
        subject: 'LIFECYCLE: alpha/crew/max requesting cycle',
        body: 'cycle',
        priority: 'high',
        type: 'lifecycle',
        senderVerified: true,
        createdAt: Date.now() - 3 * 86_400_000,
      });
    });
    // 2: a request from an agent that is not asking (no flag in its state file)
    await town.gtOk(
      [
        'mail',
        'send',
        'deacon/',
        '-s',
        'LIFECYCLE: alpha/crew/max requesting cycle',
        '-m',
        'cycle',
        '--from',
        MAX,
      ],
      { env },
    );
    // 3: a request whose id is not the one in the state file
    await town.gtOk(['handoff', '--no-daemon', '--cycle'], { env });
    const current = state(town).requesting_id as string;
    await town.gtOk(
      [
        'mail',
        'send',
        'deacon/',
        '-s',
        'LIFECYCLE: alpha/crew/max requesting cycle',
        '-m',
        JSON.stringify({ action: 'cycle', request_id: 'rq-someoneelse' }),
        '--from',
        MAX,
      ],
      { env },
    );
    // Remove the genuine request so only the stale ones remain (the flag stays set).
    await withStore(town, async (store) => {
      const genuine = (await store.listInbox('deacon', { all: true })).find((m) =>
        m.body.includes(current),
      );
      expect(genuine).toBeDefined();
      await store.deleteMessage(genuine?.id ?? '');
    });
    const pid = await sessionPid(town);
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    expect(await sessionPid(town)).toBe(pid);
    expect(starts(town, MAX)).toHaveLength(1);
    const outcomes = await withStore(town, async (store) =>
      (await store.listInbox('deacon', { all: true })).map((m) => [
        m.status,
        `${m.outcome ?? ''}: ${m.outcomeReason ?? ''}`,
      ]),
    );
    expect(outcomes).toHaveLength(3);
    for (const [status] of outcomes) expect(status).toBe('done');
    const reasons = outcomes.map(([, o]) => o).join('\n');
    expect(reasons).toMatch(/rejected: too old/);
    expect(reasons).toMatch(
      /stale: requesting_cycle is not set|stale: request .* is not the current one/,
    );
    expect(reasons).toMatch(/stale: request "rq-someoneelse" is not the current one/);
    const seen = (await events(town)).length;
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    expect((await events(town)).slice(seen).filter((e) => e.kind.startsWith('request.'))).toEqual(
      [],
    );
    expect(starts(town, MAX)).toHaveLength(1);
  });

  it('unknown action, unparseable body, unknown and hostile senders are refused with reasons', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    const env = agentEnv(town, MAX, MAX_SESSION);
    await town.gtOk(['handoff', '--no-daemon'], { env }); // the flag is set, so only screening can stop these
    await withStore(town, async (store) => {
      for (const m of await store.listInbox('deacon', { all: true }))
        await store.deleteMessage(m.id);
      const base = {
        to: 'deacon',
        subject: 'LIFECYCLE: x',
        priority: 'high' as const,
        type: 'lifecycle',
        senderVerified: true,
      };
      await store.sendMessage({ ...base, from: MAX, body: '{"action":"explode"}' });
      await store.sendMessage({ ...base, from: MAX, body: 'please recycle me when convenient' });
      await store.sendMessage({ ...base, from: 'alpha/crew/ghost', body: 'cycle' });
      await store.sendMessage({ ...base, from: '../../../etc', body: 'cycle' });
      await store.sendMessage({ ...base, from: MAX, body: 'cycle', senderVerified: false });
    });
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    expect(starts(town, MAX)).toHaveLength(1);
    const rejected = (await events(town))
      .filter((e) => e.kind === 'request.rejected')
      .map((e) => e.reason ?? '');
    expect(rejected).toHaveLength(5);
    expect(rejected.join('\n')).toMatch(/unknown action "explode"/);
    expect(rejected.join('\n')).toMatch(/unparseable body/);
    expect(rejected.join('\n')).toMatch(/no crew member ghost/);
    expect(rejected.join('\n')).toMatch(/sender is not an agent/);
    expect(rejected.join('\n')).toMatch(/unverified sender/);
  });

  it('mail to the deacon that is not a request is left for the deacon, not acted on', async () => {
    const town = await makeTown();
    await town.gtOk(['mail', 'send', 'deacon', '-s', 'hello deacon', '-m', 'cycle']);
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    const inbox = JSON.parse(await town.gtOk(['mail', 'inbox', 'deacon', '--json'])) as Array<{
      read: boolean;
    }>;
    expect(inbox).toMatchObject([{ read: false }]);
    expect((await events(town)).map((e) => e.kind)).toContain('mail.ignored');
  });

  it('an action that keeps failing is tried max_attempts times, then dead-lettered', async () => {
    const town = await makeTown({
      settings: { lifecycle: { retry_backoff: '20ms', max_attempts: 3 } },
    });
    await town.gtOk(['session', 'start', 'alpha/refinery']);
    const env = agentEnv(town, 'alpha/refinery', 'gt-alpha-refinery');
    rmSync(join(town.root, 'alpha', 'refinery', 'rig'), { recursive: true });
    await runDaemon(town);
    const result = await town.gt(['handoff', '--no-daemon', '--wait', '--json'], { env });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'dead', outcome: 'dead-letter' });
    const kinds = (await events(town))
      .filter((e) => e.identity === 'alpha/refinery' && e.kind !== 'agent.activity')
      .map((e) => e.kind);
    expect(kinds).toEqual(['request.retry', 'request.retry', 'request.dead']);
    const status = JSON.parse(await town.gtOk(['status', '--json'])) as {
      requests: { dead: number; dead_letters: Array<{ error: string }> };
    };
    expect(status.requests.dead).toBe(1);
    expect(status.requests.dead_letters[0]?.error).toMatch(/work dir/);
  });
});

describe('exactly-once across a SIGKILL of the daemon', () => {
  const steps = ['claimed', 'stopped', 'recorded', 'spawned', 'started', 'acted'];
  it.each(steps)('cycle: killed at %s, the restarted daemon finishes it once', async (step) => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('the first start', () => starts(town, MAX).length === 1);
    const first = await runDaemon(town, { GT_TEST_CRASH_AT: step });
    const request = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--json'], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as { message_id: string };
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    await runDaemon(town);
    await waitFor(
      'the request to settle',
      async () =>
        (await withStore(town, (s) => s.getMessage(request.message_id)))?.status === 'done',
    );
    await waitFor('an agent running', async () => (await sessionPid(town)) !== null);
    expect(starts(town, MAX)).toHaveLength(2);
    expect(Object.keys(state(town)).filter((k) => k.startsWith('requesting_'))).toEqual([]);
  });

  it.each(['recorded', 'stopped', 'acted'])(
    'shutdown: killed at %s, the agent ends up down, started once',
    async (step) => {
      const town = await makeTown();
      await town.gtOk(['session', 'start', MAX]);
      const first = await runDaemon(town, { GT_TEST_CRASH_AT: step });
      const request = JSON.parse(
        await town.gtOk(['handoff', '--no-daemon', '--shutdown', '--json'], {
          env: agentEnv(town, MAX, MAX_SESSION),
        }),
      ) as { message_id: string };
      await first.exited;
      await runDaemon(town);
      await waitFor(
        'the request to settle',
        async () =>
          (await withStore(town, (s) => s.getMessage(request.message_id)))?.status === 'done',
      );
      expect(await sessionPid(town)).toBeNull();
      expect(starts(town, MAX)).toHaveLength(1);
    },
  );
});

describe('one daemon per town and host', () => {
  it('two started together: exactly one runs, the other says why', async () => {
    const town = await makeTown();
    const [a, b] = await Promise.all([
      town.gt(['daemon', 'run', '--once']),
      town.gt(['daemon', 'run', '--once']),
    ]);
    // --once exits by itself; a loser exits 1 at once while the winner holds the lock
    const codes = [a.code, b.code].sort();
    if (codes[0] === 0 && codes[1] === 0) {
      // both ran --once one after the other: legal, but then they did not overlap; try with a long-lived one
      const running = await runDaemon(town);
      const second = await town.gt(['daemon', 'run']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`^gt: a daemon is already running for .* \\(pid ${running.child.pid}\\)`),
      );
      return;
    }
    expect(codes).toEqual([0, 1]);
    expect([a, b].find((r) => r.code === 1)?.stderr).toMatch(/a daemon is already running/);
  });

  it('a second long-running daemon is refused while the first runs; stop lets a new one start', async () => {
    const town = await makeTown();
    const first = await runDaemon(town);
    const second = await town.gt(['daemon', 'run']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`already running .*\\(pid ${first.child.pid}\\)`));
    await town.gtOk(['mail', 'send', 'deacon', '-s', 'hello']); // leaves a poke connection behind
    expect(await town.gtOk(['daemon', 'stop'])).toMatch(/daemon stopped/);
    expect(await first.exited).toBe(0);
    // a clean stop: the whole shutdown ran, files tidied, agents untouched
    expect(first.output()).toMatch(/daemon stopped/);
    expect(existsSync(join(town.root, 'daemon', 'daemon.sock'))).toBe(false);
    expect(existsSync(join(town.root, 'daemon', 'daemon.pid'))).toBe(false);
    expect(JSON.parse(readFileSync(join(town.root, 'daemon', 'state.json'), 'utf8'))).toMatchObject(
      { running: false },
    );
    await runDaemon(town);
  });
});
