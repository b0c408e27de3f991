// Delivering a queued prompt (gt nudge) to an agent, one look at its screen at a time. The
// text is claimed for typing (`typing`), pasted, and only once it is seen in the agent's input
// (`typed`) is Enter pressed. So a prompt never seen in the input was never submitted and may
// be typed again; one seen there may have been submitted and never is. It is acknowledged only
// by evidence: the prompt hook carrying it, or (a runtime without hooks) the text seen typed,
// then gone, and the agent busy. Pure; deliver.ts applies it.
import type { Nudge } from '../../store/store.js';
import type { ScreenReading } from '../runtime/profile.js';

/** Enter presses after the first before a nudge that stays in the input fails. */
export const MAX_SUBMIT_ATTEMPTS = 3;
/**
 * Time the CLI gets to take each Enter before the next: a busy machine may leave the text in
 * the input for a moment after a submit that worked.
 */
export const ENTER_RETRY_MS = 1_000;
/**
 * How long a prompt claimed for typing may be missing from an idle agent's empty input before
 * it is typed again: the paste may still be under way (a tmux client whose daemon was killed
 * finishes it), or the CLI may not have drawn it yet.
 */
export const PASTE_SETTLE_MS = 3_000;
/** How long the daemon that pastes watches for the text to show before leaving it to later looks. */
export const PASTE_SHOW_MS = 2_000;
/**
 * With hooks: how long an idle agent whose input took the prompt may go without its hook
 * reporting it before the prompt counts as unacknowledged.
 */
export const HOOK_WAIT_MS = 15_000;
/** How long a submitted nudge may wait on an agent that shows no sign of taking it. */
export const TYPED_TIMEOUT_MS = 60_000;

export type NudgeStep =
  | { kind: 'wait' }
  /** queued → typing: claim it, paste it, and press Enter once it shows in the input. */
  | { kind: 'type' }
  /** typing → typed: the text is in the input (a paste this daemon did not see land); Enter. */
  | { kind: 'seen' }
  | { kind: 'enter' }
  | { kind: 'delivered' }
  /** It cannot have reached the input, nor the model: queued to be typed again. */
  | { kind: 'requeue'; why: string }
  | { kind: 'fail'; error: string };

export interface NudgeLook {
  reading: ScreenReading;
  /** The agent's session now. */
  session: string;
  now: number;
  /** The runtime reports submitted prompts through a hook (which then acknowledges them). */
  hooks: boolean;
  /** Since when the agent has been idle (ready), as last recorded; null when not known. */
  idleSince: number | null;
}

/** Whether the input box holds what was typed: the text, or the CLI's stand-in for a paste. */
export function inputHolds(input: string, text: string): boolean {
  if (input === '') return false;
  const head = text.trim().split('\n')[0]?.slice(0, 40) ?? '';
  // Claude Code's "[Pasted text #1 +12 lines]", OpenCode's "[Pasted ~3 lines]", Pi's "[paste #1 +12 lines]".
  return input.includes(head) || /\[Pasted (text|Text|Content|~)|\[paste #\d/.test(input);
}

/** The input box, where the screen shows one. */
function inputOf(reading: ScreenReading): string | undefined {
  return reading.activity === 'ready' || reading.activity === 'busy' ? reading.input : undefined;
}

function holds(look: NudgeLook, nudge: Nudge): boolean {
  const input = inputOf(look.reading);
  return input !== undefined && inputHolds(input, nudge.text);
}

export function decideNudge(nudge: Nudge, look: NudgeLook): NudgeStep {
  switch (nudge.status) {
    case 'queued':
      return look.reading.activity === 'ready' && look.reading.inputEmpty
        ? { kind: 'type' }
        : { kind: 'wait' };
    case 'typing':
      return decideUnsubmitted(nudge, look, nudge.typedAt);
    case 'typed':
      return nudge.attempts === 0
        ? decideUnsubmitted(nudge, look, nudge.seenAt)
        : decideSubmitted(nudge, look);
    case 'delivered':
    case 'failed':
    case 'cancelled':
      return { kind: 'wait' };
  }
}

/** No Enter was pressed for it: it is in the input, or nowhere. */
function decideUnsubmitted(nudge: Nudge, look: NudgeLook, since: number | null): NudgeStep {
  if (nudge.session !== look.session)
    return { kind: 'requeue', why: 'the agent was restarted before the prompt was submitted' };
  if (holds(look, nudge)) return { kind: nudge.status === 'typing' ? 'seen' : 'enter' };
  const { reading } = look;
  const waited = look.now - (since ?? look.now);
  if (reading.activity === 'ready' && reading.inputEmpty && waited >= PASTE_SETTLE_MS)
    return { kind: 'requeue', why: 'the text never showed in the agent’s input: typed again' };
  return { kind: 'wait' };
}

/** Enter was (or may have been) pressed: never typed again, acknowledged only by evidence. */
function decideSubmitted(nudge: Nudge, look: NudgeLook): NudgeStep {
  if (nudge.session !== look.session)
    return {
      kind: 'fail',
      error:
        'the agent was restarted after Enter was pressed: whether the prompt reached the model is unknown, so it is not typed again',
    };
  const { reading } = look;
  const seen = nudge.seenAt ?? nudge.typedAt ?? look.now;
  if (holds(look, nudge)) {
    // Busy: a CLI that queues what is typed meanwhile shows it there until its turn ends.
    if (reading.activity !== 'ready') return { kind: 'wait' };
    if (look.now - seen < nudge.attempts * ENTER_RETRY_MS) return { kind: 'wait' };
    if (nudge.attempts > MAX_SUBMIT_ATTEMPTS)
      return {
        kind: 'fail',
        error: 'the text stayed in the agent’s input: Enter did not submit it',
      };
    return { kind: 'enter' };
  }
  // The text left the input. Only the hook (where there is one) or a busy agent says it was taken.
  const lastEnter = nudge.updatedAt;
  if (reading.activity === 'busy') return look.hooks ? { kind: 'wait' } : { kind: 'delivered' };
  if (reading.activity !== 'ready')
    return timedOut(look, lastEnter, `the agent was ${reading.activity} and never took the prompt`);
  if (!look.hooks)
    return timedOut(
      look,
      lastEnter,
      'the text left the input but the agent never went busy: no sign it reached the model',
    );
  const idle = Math.max(look.idleSince ?? look.now, lastEnter);
  return look.now - idle >= HOOK_WAIT_MS
    ? {
        kind: 'fail',
        error:
          'the text left the input but the agent’s prompt hook never reported it: whether it reached the model is unknown',
      }
    : { kind: 'wait' };
}

function timedOut(look: NudgeLook, since: number, error: string): NudgeStep {
  return look.now - since > TYPED_TIMEOUT_MS ? { kind: 'fail', error } : { kind: 'wait' };
}

/**
 * The nudge a submitted prompt (as a hook reports it) carries, if any, among those typing or
 * typed: its text, or (a long paste is submitted wrapped or shown as "[Pasted text …]") the one
 * nudge Enter was pressed for.
 */
export function nudgeInPrompt(pending: readonly Nudge[], prompt: string): Nudge | undefined {
  const found = pending.find((n) => prompt.includes(n.text.trim()));
  if (found !== undefined) return found;
  const submitted = pending.filter((n) => n.status === 'typed' && n.attempts > 0);
  return submitted.length === 1 && /\[Pasted|<pasted_content/.test(prompt)
    ? submitted[0]
    : undefined;
}
