// The pure decisions about live agents: what a screen means and which key answers it, and the
// next step of a queued prompt.
import { describe, expect, it } from 'vitest';
import type { Known } from '../../src/agents/activity.js';
import { blockedExcerpt, decideActivity, MAX_DIALOG_KEYS } from '../../src/agents/activity.js';
import type { NudgeLook } from '../../src/agents/nudges/decide.js';
import {
  decideNudge,
  HOOK_WAIT_MS,
  PASTE_SETTLE_MS,
  TYPED_TIMEOUT_MS,
  inputHolds,
  MAX_SUBMIT_ATTEMPTS,
  nudgeInPrompt,
} from '../../src/agents/nudges/decide.js';
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
      'a turn that ended on a failure is over, though the hooks said busy (Codex fires no Stop)',
      { activity: 'ready', inputEmpty: true, input: '' },
      { activity: 'busy', source: 'hook', turnFailed: true },
      { activity: 'ready' },
    ],
    [
      'a failure shown while the CLI still retries: busy stays busy',
      { activity: 'busy', input: '' },
      { activity: 'busy', source: 'hook', turnFailed: true },
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
    seenAt: null,
    deliveredAt: null,
    ack: null,
    error: null,
    updatedAt: 0,
    ...over,
  };
}

const TEXT = 'please look at issue 7';
const ready = (input = ''): ScreenReading => ({
  activity: 'ready',
  inputEmpty: input === '',
  input,
});
const busy = (input = ''): ScreenReading => ({ activity: 'busy', input });
const look = (reading: ScreenReading, over: Partial<NudgeLook> = {}): NudgeLook => ({
  reading,
  session: 'gt-mayor',
  now: 100_000,
  hooks: false,
  idleSince: null,
  ...over,
});
/** Claimed for typing at 99 s: the paste may or may not have landed. */
const typing = (over: Partial<Nudge> = {}): Nudge =>
  nudge({ status: 'typing', session: 'gt-mayor', typedAt: 99_000, updatedAt: 99_000, ...over });
/** Seen in the input at 90 s and Enter pressed once. */
const typed = (over: Partial<Nudge> = {}): Nudge =>
  nudge({
    status: 'typed',
    attempts: 1,
    session: 'gt-mayor',
    typedAt: 89_900,
    seenAt: 90_000,
    updatedAt: 90_000,
    ...over,
  });
const settled = 100_000 - PASTE_SETTLE_MS;

describe('decideNudge', () => {
  it.each<[string, Nudge, NudgeLook, string]>([
    ['queued, agent ready and its input empty: type it', nudge(), look(ready()), 'type'],
    ['queued, someone typing in the input: wait', nudge(), look(ready('half a thought')), 'wait'],
    ['queued, agent busy: wait', nudge(), look(busy()), 'wait'],
    ['queued, agent in a dialog: wait', nudge(), look({ activity: 'starting' }), 'wait'],
    // Claimed for typing: Enter was never pressed, so it is in the input or nowhere.
    ['typing, the text in the input: seen, then Enter', typing(), look(ready(TEXT)), 'seen'],
    [
      'typing, a paste placeholder in the input: seen',
      typing(),
      look(ready('[Pasted text #1 +3 lines]')),
      'seen',
    ],
    ['typing, the text in a busy agent’s input: seen', typing(), look(busy(TEXT)), 'seen'],
    [
      'typing a moment ago, input still empty: the paste may be under way, wait',
      typing(),
      look(ready()),
      'wait',
    ],
    [
      'typing long ago (its daemon died before the paste), idle and empty: typed again',
      typing({ typedAt: settled }),
      look(ready()),
      'requeue',
    ],
    [
      'typing long ago, agent busy with an empty input: wait for it to be idle',
      typing({ typedAt: 0 }),
      look(busy()),
      'wait',
    ],
    [
      'typing long ago, someone else’s text in the input: wait, never typed over it',
      typing({ typedAt: 0 }),
      look(ready('a person typing')),
      'wait',
    ],
    [
      'typing into an older session: typed again in the new one',
      typing({ session: 'gt-old' }),
      look(ready()),
      'requeue',
    ],
    // Seen in the input, but no Enter claimed yet (a successor saw it there).
    [
      'typed, no Enter yet, text in the input: Enter',
      typed({ attempts: 0 }),
      look(ready(TEXT)),
      'enter',
    ],
    [
      'typed, no Enter yet, the input emptied long ago: never submitted, typed again',
      typed({ attempts: 0, seenAt: settled }),
      look(ready()),
      'requeue',
    ],
    // Enter pressed: never typed again.
    [
      'typed, text still in the input: Enter again, never typed twice',
      typed(),
      look(ready(TEXT)),
      'enter',
    ],
    [
      'typed a moment ago, text still in the input: the CLI gets its time, no Enter yet',
      typed({ seenAt: 99_700 }),
      look(ready(TEXT)),
      'wait',
    ],
    [
      'second Enter given its time too: not before 2 s after it was seen',
      typed({ seenAt: 98_500, attempts: 2 }),
      look(ready(TEXT)),
      'wait',
    ],
    [
      'typed, a paste placeholder in the input: Enter again',
      typed(),
      look(ready('[Pasted text #1 +3 lines]')),
      'enter',
    ],
    [
      'typed, still in a busy agent’s input (queued by the CLI): wait',
      typed(),
      look(busy(TEXT)),
      'wait',
    ],
    [
      'typed, input emptied and busy, no hooks: delivered (seen, gone, busy)',
      typed(),
      look(busy()),
      'delivered',
    ],
    [
      'typed, input emptied and busy, a hook runtime: only the hook acknowledges',
      typed(),
      look(busy(), { hooks: true }),
      'wait',
    ],
    [
      'typed, input emptied, idle, a hook runtime, the hook may still come: wait',
      typed({ updatedAt: 100_000 - HOOK_WAIT_MS + 1 }),
      look(ready(), { hooks: true }),
      'wait',
    ],
    [
      'typed, input emptied, idle long after Enter, no hook: failed, not acknowledged',
      typed({ updatedAt: 100_000 - HOOK_WAIT_MS }),
      look(ready(), { hooks: true, idleSince: 100_000 - HOOK_WAIT_MS }),
      'fail',
    ],
    [
      'typed, a long turn just ended, its queued prompt’s hook may still come: wait',
      typed({ updatedAt: 0 }),
      look(ready(), { hooks: true, idleSince: 99_000 }),
      'wait',
    ],
    [
      'typed, input emptied, idle, no hooks, never went busy: wait a while',
      typed(),
      look(ready()),
      'wait',
    ],
    [
      'typed, input emptied, idle, no hooks, never busy for a minute: failed',
      typed({ updatedAt: 100_000 - TYPED_TIMEOUT_MS - 1 }),
      look(ready()),
      'fail',
    ],
    [
      'typed and submitted into an older session: failed, never typed twice',
      typed({ session: 'gt-old' }),
      look(ready()),
      'fail',
    ],
    [
      'typed, Enter pressed too often: failed',
      typed({ attempts: MAX_SUBMIT_ATTEMPTS + 1, seenAt: 0 }),
      look(ready(TEXT)),
      'fail',
    ],
    [
      'typed, agent stuck elsewhere for a minute: failed',
      typed({ updatedAt: 0 }),
      look({ activity: 'starting' }),
      'fail',
    ],
    ['delivered: nothing to do', nudge({ status: 'delivered' }), look(ready()), 'wait'],
  ])('%s', (_, n, l, kind) => {
    expect(decideNudge(n, l).kind).toBe(kind);
  });

  it('finds the nudge a submitted prompt carries', () => {
    const a = typed({ id: 'a', text: 'first thing' });
    const b = typed({ id: 'b', text: 'second thing' });
    expect(nudgeInPrompt([a, b], 'please: second thing')?.id).toBe('b');
    expect(nudgeInPrompt([a, b], 'unrelated')).toBeUndefined();
    expect(nudgeInPrompt([a], '<pasted_content id="x">first…')?.id).toBe('a');
    // A paste placeholder names no text: only a nudge Enter was pressed for can be it.
    expect(nudgeInPrompt([typing({ id: 'c' })], '[Pasted text #1 +3 lines]')).toBeUndefined();
    expect(nudgeInPrompt([typed({ id: 'd', attempts: 0 })], '[Pasted text #1]')).toBeUndefined();
    expect(inputHolds('', 'x')).toBe(false);
  });
});
