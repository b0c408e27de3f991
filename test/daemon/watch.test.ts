// The watcher against a CLI that is slow to redraw — a fake host, since a real CLI cannot be
// made to lag on demand: a key goes in only when the screen shows the last one was taken, so a
// second Enter never lands in the next dialog.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIALOG_SETTLE_MS, KEY_SETTLE_MS, MOVE_SETTLE_MS } from '../../src/agents/activity.js';
import {
  COLD_MS,
  HOT_FOR_MS,
  HOT_MS,
  QUICK_MS,
  needsScreen,
  Watcher,
} from '../../src/daemon/watch.js';
import { profileOf } from '../../src/agents/runtime/index.js';
import type { AgentRecord } from '../../src/store/store.js';
import { defaultSettings } from '../../src/town/settings.js';
import { FakeSessionHost } from '../helpers/fake-host.js';
import { MemoryStore } from '../helpers/memory-store.js';
import { tempDir } from '../helpers/temp.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'claude-2.1.328');
const screen = (name: string): string[] =>
  readFileSync(join(DIR, `${name}.txt`), 'utf8').split('\n');
const SESSION = 'gt-alpha-crew-max';

async function rig() {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore(() => clock.now);
  const host = new FakeSessionHost();
  await host.start({ name: SESSION, cwd: '/', command: 'claude', env: {} });
  await store.patchAgent('alpha/crew/max', {
    host: 'h',
    session: SESSION,
    startedAt: clock.now,
    desired: 'running',
    sessionConfirmed: true,
    runtime: 'claude',
    activity: 'starting',
  });
  const watcher = new Watcher({
    root: tempDir('town'),
    settings: defaultSettings(),
    host,
    store,
    hostName: 'h',
    now: () => clock.now,
  });
  /** Looks at a dialog just drawn (nothing pressed yet), then again once it has settled. */
  const settle = async (): Promise<void> => {
    await watcher.pass();
    clock.now += DIALOG_SETTLE_MS;
  };
  const keys = (): string[] =>
    host.calls.filter((c) => c.op === 'keys').flatMap((c) => c.keys ?? []);
  return { clock, host, store, watcher, keys, settle };
}

describe('the watcher and a CLI slow to redraw (fake host)', () => {
  it('presses Enter once into a dialog whose screen has not changed since', async () => {
    const r = await rig();
    r.host.screenOf.set(SESSION, screen('dialog_trust_down')); // "Yes" selected
    await r.settle();
    expect(r.keys()).toEqual([]); // just drawn: nothing pressed yet
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Enter']);
    r.clock.now += 100; // the CLI has not redrawn yet: the same screen again
    await r.watcher.pass();
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Enter']);
    r.clock.now += KEY_SETTLE_MS; // still the same long after: the key was lost, so again
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Enter', 'Enter']);
  });

  it('an Enter that answered a dialog gets its time even if the dialog is redrawn meanwhile', async () => {
    const r = await rig();
    const answered = screen('dialog_trust_down');
    r.host.screenOf.set(SESSION, answered);
    await r.settle();
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Enter']);
    // the CLI redraws the same dialog (a note appears) before it takes the answer
    r.host.screenOf.set(SESSION, [
      ...answered,
      ' Trusting this folder loads .claude/settings.local.json',
    ]);
    r.clock.now += 300;
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Enter']);
  });

  it('a move goes into a dialog at once; the Enter after it once the screen shows it taken and the dialog has settled', async () => {
    const r = await rig();
    r.host.screenOf.set(SESSION, screen('dialog_trust')); // "No, exit" selected
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Down']);
    r.host.screenOf.set(SESSION, screen('dialog_trust_down'));
    r.clock.now += 50;
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Down']); // drawn, but the dialog is too new for an Enter
    r.clock.now += DIALOG_SETTLE_MS - 50;
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Down', 'Enter']);
  });

  it('a move the dialog dropped (still mounting) is pressed again after MOVE_SETTLE_MS, not before', async () => {
    const r = await rig();
    r.host.screenOf.set(SESSION, screen('dialog_trust'));
    await r.watcher.pass();
    r.clock.now += MOVE_SETTLE_MS - 1;
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Down']);
    r.clock.now += 1;
    await r.watcher.pass();
    expect(r.keys()).toEqual(['Down', 'Down']);
  });

  it('a dialog on screen is looked at again at the quick pace until it is answered; one stuck for minutes cools down', async () => {
    const r = await rig();
    r.host.screenOf.set(SESSION, screen('dialog_trust_down'));
    expect(await r.watcher.pass()).toBe(QUICK_MS);
    r.clock.now += DIALOG_SETTLE_MS;
    expect(await r.watcher.pass()).toBe(QUICK_MS);
    expect(r.keys()).toEqual(['Enter']);
    r.host.screenOf.set(SESSION, screen('ready_first'));
    r.clock.now += 50;
    expect(await r.watcher.pass()).toBeGreaterThan(QUICK_MS);
    r.clock.now += 50;
    expect(await r.watcher.pass()).toBe(COLD_MS);
    // A dialog still there long after it was drawn (keys not taken): not looked at quickly.
    const stuck = await rig();
    stuck.host.screenOf.set(SESSION, screen('dialog_trust_down'));
    await stuck.watcher.pass();
    stuck.clock.now += HOT_FOR_MS;
    expect(await stuck.watcher.pass()).toBe(COLD_MS);
  });

  it('an agent stuck starting is looked at quickly for a minute, then at the slow pace', async () => {
    const r = await rig();
    await r.store.patchAgent('alpha/crew/max', { activitySince: r.clock.now });
    r.host.screenOf.set(SESSION, ['']); // nothing drawn yet
    expect(await r.watcher.pass()).toBe(QUICK_MS);
    r.clock.now += HOT_FOR_MS - 1;
    expect(await r.watcher.pass()).toBe(QUICK_MS);
    r.clock.now += 1;
    expect(await r.watcher.pass()).toBe(COLD_MS);
  });
});

describe('how soon the watcher looks again (fake host)', () => {
  it('a prompt queued long ago, for an agent a hook just told ready: looked for quickly', async () => {
    const r = await rig();
    const queuedAt = r.clock.now;
    await r.store.enqueueNudge({
      to: 'alpha/crew/max',
      from: 'mayor',
      text: 'next',
      createdAt: queuedAt,
    });
    r.clock.now += HOT_FOR_MS * 3; // the agent was busy for minutes
    await r.store.patchAgent('alpha/crew/max', {
      activity: 'busy',
      activitySource: 'hook',
      activitySince: queuedAt,
    });
    r.host.screenOf.set(SESSION, screen('busy_10s'));
    expect(await r.watcher.pass()).toBe(COLD_MS); // an old prompt for a busy agent: the slow pace
    // Its turn's end told by the stop hook; its screen has not caught up yet.
    await r.store.patchAgent('alpha/crew/max', {
      activity: 'ready',
      activitySource: 'hook',
      activitySince: r.clock.now,
    });
    expect(await r.watcher.pass()).toBe(HOT_MS);
    r.clock.now += HOT_FOR_MS;
    expect(await r.watcher.pass()).toBe(COLD_MS); // never taken: it cools down again
  });
});

describe('a prompt acknowledged puts off a look due only for it (fake host)', () => {
  /** A busy agent with prompts queued for it just now: the next look is due soon, for them. */
  async function busyWith(n: number) {
    const r = await rig();
    await r.store.patchAgent('alpha/crew/max', {
      activity: 'busy',
      activitySource: 'hook',
      activitySince: r.clock.now,
    });
    r.host.screenOf.set(SESSION, screen('busy_2s'));
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push(
        (
          await r.store.enqueueNudge({
            to: 'alpha/crew/max',
            from: 'mayor',
            text: `p${i}`,
            createdAt: r.clock.now,
          })
        ).id,
      );
    expect(await r.watcher.pass()).toBe(HOT_MS);
    const ack = (id: string) =>
      r.store.updateNudge(id, ['queued', 'typing', 'typed'], { status: 'delivered' }, r.clock.now);
    return { ...r, ids, ack };
  }

  it('the only prompt under way acknowledged: the next look waits for the slow pace', async () => {
    const r = await busyWith(1);
    expect(await r.watcher.cool()).toBe(false); // still under way
    await r.ack(r.ids[0] ?? '');
    expect(await r.watcher.cool()).toBe(true);
    expect(await r.watcher.cool()).toBe(false); // once
  });

  it('another prompt still under way: the look stays due soon', async () => {
    const r = await busyWith(2);
    await r.ack(r.ids[0] ?? '');
    expect(await r.watcher.cool()).toBe(false);
  });

  it('an agent starting beside it: the look stays due soon', async () => {
    const r = await busyWith(1);
    await r.store.patchAgent('alpha/crew/ann', {
      host: 'h',
      session: 'gt-alpha-crew-ann',
      startedAt: r.clock.now,
      desired: 'running',
      sessionConfirmed: true,
      runtime: 'claude',
      activity: 'starting',
      activitySince: r.clock.now,
    });
    expect(await r.watcher.pass()).toBe(HOT_MS);
    await r.ack(r.ids[0] ?? '');
    expect(await r.watcher.cool()).toBe(false);
  });
});

describe('which screens a look reads (plain data)', () => {
  const claude = profileOf({ runtime: 'claude' });
  const NOW = 1_000_000;
  const agent = (over: Partial<AgentRecord>): AgentRecord =>
    ({
      identity: 'alpha/crew/max',
      activity: 'ready',
      activitySource: 'hook',
      activitySince: NOW - 60_000,
      failureKind: null,
      ...over,
    }) as AgentRecord;
  it.each([
    ['never read', agent({}), false, undefined, true],
    ['a prompt waits for it', agent({}), true, NOW - 100, true],
    ['busy', agent({ activity: 'busy' }), false, NOW - 100, true],
    ['a failure on record', agent({ failureKind: 'rate-limit' }), false, NOW - 100, true],
    [
      'its activity changed since the last read',
      agent({ activitySince: NOW - 50 }),
      false,
      NOW - 100,
      true,
    ],
    [
      'a turn that ended a moment ago',
      agent({ activitySince: NOW - 1_000 }),
      false,
      NOW - 100,
      true,
    ],
    ['ready by a hook, settled', agent({}), false, NOW - 100, false],
    [
      'ready by its screen, read a moment ago',
      agent({ activitySource: 'screen' }),
      false,
      NOW - 100,
      false,
    ],
    [
      'ready by its screen, read at the quiet pace',
      agent({ activitySource: 'screen' }),
      false,
      NOW - COLD_MS,
      true,
    ],
    [
      'in a dialog',
      agent({ activity: 'dialog', activitySource: 'screen' }),
      false,
      NOW - 100,
      true,
    ],
    ['starting', agent({ activity: 'starting', activitySource: 'screen' }), false, NOW - 100, true],
  ] as const)('%s', (_what, r, nudges, lastRead, read) => {
    expect(needsScreen(r, claude, nudges, lastRead, NOW)).toBe(read);
  });

  it('a runtime that reads screens but has no hooks is read at every look', () => {
    const screenOnly = { ...claude, hooks: null };
    const r = agent({ activitySource: 'screen' });
    expect(needsScreen(r, screenOnly, false, NOW - 100, NOW)).toBe(true);
    expect(needsScreen(r, profileOf({ runtime: 'shell' }), false, NOW - 100, NOW)).toBe(false);
  });
});
