// execute.ts applies the decision's plan: which session calls it makes, what it records, and
// that a failure at any step boundary is finished on the next attempt, never repeated. A fake
// session host and the in-memory store stand in for tmux and SQLite (the real ones are in
// test/daemon/lifecycle.test.ts, where a real daemon is SIGKILLed at the same boundaries).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CrashStep } from '../../src/agents/context.js';
import type { DaemonDeps } from '../../src/agents/context.js';
import { executeClaimed } from '../../src/lifecycle/execute.js';
import { installTown } from '../../src/setup/install.js';
import type { LifecycleAction } from '../../src/protocol/request.js';
import { readAgentState, setRequesting } from '../../src/state/agent-state.js';
import type { Message } from '../../src/store/store.js';
import { defaultSettings } from '../../src/town/settings.js';
import { FakeSessionHost } from '../helpers/fake-host.js';
import { MemoryStore } from '../helpers/memory-store.js';
import { tempDir } from '../helpers/temp.js';

const MAYOR = { role: 'mayor' } as const;

interface Rig {
  deps: DaemonDeps;
  host: FakeSessionHost;
  store: MemoryStore;
  root: string;
  clock: { now: number };
}

function rig(crashAt?: CrashStep): Rig {
  const root = join(tempDir('exec'), 'town');
  installTown(root);
  const settings = defaultSettings();
  settings.agents.mayor.command = 'sleep 600';
  settings.lifecycle.retry_backoff = '0ms';
  const clock = { now: Date.now() };
  const store = new MemoryStore(() => clock.now);
  const host = new FakeSessionHost();
  let armed = crashAt !== undefined;
  const crashPoint = (step: CrashStep): void => {
    if (armed && step === crashAt) {
      armed = false;
      throw new Error(`crashed at ${step}`);
    }
  };
  const deps: DaemonDeps = {
    root,
    settings,
    store,
    host,
    hostName: 'h',
    owner: 'daemon-1',
    now: () => clock.now,
    crashPoint,
  };
  return { deps, host, store, root, clock };
}

/** What gt handoff does for the mayor: state file, then mail to the deacon. */
async function ask(r: Rig, action: LifecycleAction): Promise<Message> {
  await setRequesting(r.root, MAYOR, action, 'rq-1', new Date(r.clock.now - 5));
  return r.store.sendMessage({
    from: 'mayor',
    to: 'deacon',
    subject: `LIFECYCLE: mayor requesting ${action}`,
    body: JSON.stringify({ action, request_id: 'rq-1' }),
    priority: 'high',
    type: 'lifecycle',
    senderVerified: true,
  });
}

/** Claims the one due request as `owner`, a minute later (any earlier lease has run out). */
async function claim(r: Rig, owner = 'daemon-1'): Promise<Message> {
  r.clock.now += 60_000;
  const [msg] = await r.store.claimMessages({
    to: 'deacon',
    owner,
    host: 'h',
    now: r.clock.now,
    leaseMs: 30_000,
    limit: 1,
  });
  if (msg === undefined) throw new Error('nothing to claim');
  return msg;
}

describe('executeClaimed applies the plan', () => {
  it('a cycle stops the old session, starts one for the request, confirms it, clears the flags', async () => {
    const r = rig();
    await r.host.start({ name: 'gt-mayor', cwd: r.root, command: 'old', env: {} });
    const sent = await ask(r, 'cycle');
    await executeClaimed(r.deps, await claim(r));
    expect(r.host.calls.filter((c) => c.op !== 'find')).toEqual([
      { op: 'start', name: 'gt-mayor' },
      { op: 'stop', name: 'gt-mayor' },
      { op: 'start', name: 'gt-mayor' },
    ]);
    expect(await r.store.getAgent('mayor')).toMatchObject({
      requestMessageId: sent.id,
      sessionConfirmed: true,
      desired: 'running',
    });
    expect(readAgentState(r.root, MAYOR)).toEqual({});
    expect(await r.store.getMessage(sent.id)).toMatchObject({ status: 'done', outcome: 'done' });
    expect((await r.store.listEvents()).map((e) => e.kind)).toEqual(['request.done']);
  });

  it('a shutdown stops the session and keeps the agent down, starting nothing', async () => {
    const r = rig();
    await r.host.start({ name: 'gt-mayor', cwd: r.root, command: 'old', env: {} });
    await ask(r, 'shutdown');
    await executeClaimed(r.deps, await claim(r));
    expect(r.host.sessions.has('gt-mayor')).toBe(false);
    expect(r.host.starts).toEqual(['gt-mayor']);
    expect(await r.store.getAgent('mayor')).toMatchObject({ desired: 'stopped', tokenHash: null });
  });

  it('a stale request touches no session', async () => {
    const r = rig();
    await ask(r, 'cycle');
    await setRequesting(r.root, MAYOR, 'cycle', 'rq-newer', new Date(r.clock.now));
    await executeClaimed(r.deps, await claim(r));
    expect(r.host.calls.filter((c) => c.op === 'start' || c.op === 'stop')).toEqual([]);
    expect((await r.store.listEvents())[0]).toMatchObject({
      kind: 'request.rejected',
      outcome: 'stale',
    });
  });
});

describe('a failure at each step boundary is finished once on the next attempt', () => {
  it.each<CrashStep>(['stopped', 'recorded', 'spawned', 'started'])(
    'cycle, failing at %s',
    async (step) => {
      const r = rig(step);
      const sent = await ask(r, 'cycle');
      await executeClaimed(r.deps, await claim(r));
      expect(await r.store.getMessage(sent.id)).toMatchObject({ status: 'open' }); // a retry
      await executeClaimed(r.deps, await claim(r));
      expect(r.host.starts).toHaveLength(1);
      expect(r.host.sessions.has('gt-mayor')).toBe(true);
      expect(readAgentState(r.root, MAYOR)).toEqual({});
      expect(await r.store.getMessage(sent.id)).toMatchObject({ status: 'done' });
    },
  );

  it.each<[CrashStep, string | null]>([
    ['claimed', null],
    ['acted', 'finished after an interrupted attempt'],
  ])(
    'cycle, the daemon dying at %s: another daemon finishes it with a single start',
    async (step, outcomeReason) => {
      const r = rig(step);
      const sent = await ask(r, 'cycle');
      await expect(executeClaimed(r.deps, await claim(r))).rejects.toThrow(/crashed at/);
      const taken = await claim(r, 'daemon-2');
      await executeClaimed({ ...r.deps, owner: 'daemon-2' }, taken);
      expect(r.host.starts).toHaveLength(1);
      expect(await r.store.getMessage(sent.id)).toMatchObject({
        status: 'done',
        outcome: 'done',
        outcomeReason,
      });
    },
  );

  it.each<CrashStep>(['recorded', 'stopped'])('shutdown, failing at %s', async (step) => {
    const r = rig(step);
    await r.host.start({ name: 'gt-mayor', cwd: r.root, command: 'old', env: {} });
    const sent = await ask(r, 'shutdown');
    await executeClaimed(r.deps, await claim(r));
    await executeClaimed(r.deps, await claim(r));
    expect(r.host.sessions.has('gt-mayor')).toBe(false);
    expect(r.host.starts).toEqual(['gt-mayor']);
    expect(await r.store.getMessage(sent.id)).toMatchObject({ status: 'done' });
  });
});
