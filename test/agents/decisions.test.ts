// The pure decisions about live agents: what a screen means and which key answers it, and the
// next step of a queued prompt.
import { describe, expect, it } from 'vitest';
import type { Known } from '../../src/agents/activity.js';
import { blockedExcerpt, decideActivity, MAX_DIALOG_KEYS } from '../../src/agents/activity.js';
import type { NudgeLook } from '../../src/agents/nudge.js';
import {
  decideNudge,
  HOOK_GRACE_MS,
  inputHolds,
  MAX_SUBMIT_ATTEMPTS,
  nudgeInPrompt,
} from '../../src/agents/nudge.js';
import type { ScreenReading } from '../../src/agents/runtime/profile.js';
import type { Nudge } from '../../src/store/store.js';

const known = (over: Partial<Known> = {}): Known => ({
  activity: 'starting',
  source: 'tmux',
  detail: null,
  dialogKeys: 0,
  blockedNotified: false,
  ...over,
});

const dialog = (selected: number, wanted: number): ScreenReading => ({
  activity: 'dialog',
  dialog: 'trust',
  options: ['No, exit', 'Yes, I trust this folder'],
  selected,
  wanted,
});

describe('decideActivity', () => {
  it.each<[string, ScreenReading, Partial<Known>, Record<string, unknown>]>([
    [
      'a known dialog, wanted option below: Down',
      dialog(0, 1),
      {},
      { activity: 'dialog', detail: 'trust', key: 'Down' },
    ],
    ['a known dialog, wanted option above: Up', dialog(1, 0), {}, { key: 'Up' }],
    ['the wanted option selected: Enter', dialog(1, 1), {}, { key: 'Enter' }],
    [
      'the screen our Enter went into, not redrawn yet: nothing pressed again',
      dialog(1, 1),
      { detail: 'trust', dialogKeys: 2, keyPending: true },
      { activity: 'dialog', key: undefined },
    ],
    [
      'a dialog that did not take its keys: blocked, nothing pressed',
      dialog(0, 1),
      { detail: 'trust', dialogKeys: MAX_DIALOG_KEYS },
      { activity: 'blocked', key: undefined, notifyBlocked: true },
    ],
    [
      'an unknown dialog: blocked, the mayor told',
      { activity: 'blocked', why: 'an unknown dialog' },
      {},
      { activity: 'blocked', notifyBlocked: true, key: undefined },
    ],
    [
      'still blocked: told once only',
      { activity: 'blocked', why: 'x' },
      { activity: 'blocked', blockedNotified: true },
      { notifyBlocked: false },
    ],
    [
      'ready from the screen',
      { activity: 'ready', inputEmpty: true, input: '' },
      {},
      { activity: 'ready', key: undefined },
    ],
    [
      'busy from the hooks stands over a ready screen',
      { activity: 'ready', inputEmpty: true, input: '' },
      { activity: 'busy', source: 'hook' },
      { activity: 'busy' },
    ],
    [
      'a dialog beats the hooks’ word',
      dialog(0, 1),
      { activity: 'ready', source: 'hook' },
      { activity: 'dialog' },
    ],
    ['nothing yet: starting', { activity: 'starting' }, {}, { activity: 'starting' }],
  ])('%s', (_, reading, k, expected) => {
    const decision = decideActivity(reading, known(k));
    for (const [key, value] of Object.entries(expected))
      expect(decision[key as keyof typeof decision], key).toEqual(value);
  });

  it('keeps the last 40 non-blank lines of a blocked screen, at most 4 KiB', () => {
    const short = Array.from({ length: 100 }, (_, i) => (i % 2 ? '' : `line ${i}`));
    expect(blockedExcerpt(short).split('\n')).toHaveLength(40);
    expect(blockedExcerpt(short)).toMatch(/line 98$/);
    const long = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(200)}`);
    expect(Buffer.byteLength(blockedExcerpt(long))).toBeLessThanOrEqual(4096);
  });
});

function nudge(over: Partial<Nudge> = {}): Nudge {
  return {
    id: 'gn-1',
    seq: 1,
    to: 'mayor',
    from: 'overseer',
    text: 'please look at issue 7',
    createdAt: 0,
    status: 'queued',
    attempts: 0,
    session: null,
    typedAt: null,
    deliveredAt: null,
    ack: null,
    error: null,
    updatedAt: 0,
    ...over,
  };
}

const ready = (input = ''): ScreenReading => ({
  activity: 'ready',
  inputEmpty: input === '',
  input,
});
const look = (reading: ScreenReading, over: Partial<NudgeLook> = {}): NudgeLook => ({
  reading,
  session: 'gt-mayor',
  now: 100_000,
  hooks: false,
  ...over,
});
const typed = (over: Partial<Nudge> = {}): Nudge =>
  nudge({ status: 'typed', attempts: 1, session: 'gt-mayor', typedAt: 90_000, ...over });

describe('decideNudge', () => {
  it.each<[string, Nudge, NudgeLook, string]>([
    ['queued, agent ready and its input empty: type it', nudge(), look(ready()), 'type'],
    ['queued, someone typing in the input: wait', nudge(), look(ready('half a thought')), 'wait'],
    ['queued, agent busy: wait', nudge(), look({ activity: 'busy', input: '' }), 'wait'],
    ['queued, agent in a dialog: wait', nudge(), look({ activity: 'starting' }), 'wait'],
    [
      'typed, text still in the input: Enter again, never typed twice',
      typed(),
      look(ready('please look at issue 7')),
      'enter',
    ],
    [
      'typed a moment ago, text still in the input: the CLI gets its time, no Enter yet',
      typed({ typedAt: 99_700 }),
      look(ready('please look at issue 7')),
      'wait',
    ],
    [
      'second Enter given its time too: not before 2 s after typing',
      typed({ typedAt: 98_500, attempts: 2 }),
      look(ready('please look at issue 7')),
      'wait',
    ],
    [
      'typed, a paste placeholder in the input: Enter again',
      typed(),
      look(ready('[Pasted text #1 +3 lines]')),
      'enter',
    ],
    [
      'typed, input emptied and busy: delivered',
      typed(),
      look({ activity: 'busy', input: '' }),
      'delivered',
    ],
    [
      'typed, input emptied, a hook runtime within its grace: wait for the hook',
      typed({ typedAt: 99_000 }),
      look(ready(), { hooks: true }),
      'wait',
    ],
    [
      'typed, input emptied, the hook never said so: delivered',
      typed({ typedAt: 100_000 - HOOK_GRACE_MS - 1 }),
      look(ready(), { hooks: true }),
      'delivered',
    ],
    [
      'typed into an older session: queued again for the new one',
      typed({ session: 'gt-old' }),
      look(ready()),
      'requeue',
    ],
    [
      'typed, Enter pressed too often: failed',
      typed({ attempts: MAX_SUBMIT_ATTEMPTS + 1 }),
      look(ready('please look at issue 7')),
      'fail',
    ],
    [
      'typed, agent stuck elsewhere for a minute: failed',
      typed({ typedAt: 0 }),
      look({ activity: 'starting' }),
      'fail',
    ],
  ])('%s', (_, n, l, kind) => {
    expect(decideNudge(n, l).kind).toBe(kind);
  });

  it('finds the typed nudge a submitted prompt carries', () => {
    const a = typed({ id: 'a', text: 'first thing' });
    const b = typed({ id: 'b', text: 'second thing' });
    expect(nudgeInPrompt([a, b], 'please: second thing')?.id).toBe('b');
    expect(nudgeInPrompt([a, b], 'unrelated')).toBeUndefined();
    expect(nudgeInPrompt([a], '<pasted_content id="x">first…')?.id).toBe('a');
    expect(inputHolds('', 'x')).toBe(false);
  });
});
