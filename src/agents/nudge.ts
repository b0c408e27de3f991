// Delivering a queued prompt (gt nudge) to an agent, one look at its screen at a time: type it
// when the agent is ready and its input empty, then see it submitted, pressing Enter again
// (never typing the text twice) if it stayed in the input. Pure; daemon/nudges.ts applies it.
import type { ErrorCode } from '../errors.js';
import { InputError } from '../errors.js';
import type { Nudge } from '../store/store.js';
import type { ScreenReading } from './runtime/profile.js';

/** Enter presses after the first before a nudge that stays in the input fails. */
export const MAX_SUBMIT_ATTEMPTS = 3;
/**
 * Time the CLI gets to take each Enter before the next: a busy machine may leave the text in
 * the input for a moment after a submit that worked.
 */
export const ENTER_RETRY_MS = 1_000;
/** How long a runtime with hooks gets to report the prompt before the screen's word is taken. */
export const HOOK_GRACE_MS = 5_000;
/** How long a typed nudge may wait on an agent that is neither ready nor busy. */
export const TYPED_TIMEOUT_MS = 60_000;

export type NudgeStep =
  | { kind: 'wait' }
  | { kind: 'type' }
  | { kind: 'enter' }
  | { kind: 'delivered' }
  | { kind: 'requeue'; why: string }
  | { kind: 'fail'; error: string };

export interface NudgeLook {
  reading: ScreenReading;
  /** The agent's session now. */
  session: string;
  now: number;
  /** The runtime reports submitted prompts through a hook (which then acknowledges them). */
  hooks: boolean;
}

/** Whether the input box holds what was typed: the text, or the CLI's stand-in for a paste. */
export function inputHolds(input: string, text: string): boolean {
  if (input === '') return false;
  const head = text.trim().split('\n')[0]?.slice(0, 40) ?? '';
  return input.includes(head) || /\[Pasted (text|Text|Content)/.test(input);
}

export function decideNudge(nudge: Nudge, look: NudgeLook): NudgeStep {
  const { reading } = look;
  if (nudge.status === 'queued') {
    return reading.activity === 'ready' && reading.inputEmpty ? { kind: 'type' } : { kind: 'wait' };
  }
  if (nudge.status !== 'typed') return { kind: 'wait' };
  if (nudge.session !== look.session)
    return { kind: 'requeue', why: 'the agent was restarted before it took the prompt' };
  const since = look.now - (nudge.typedAt ?? look.now);
  const input = reading.activity === 'ready' || reading.activity === 'busy' ? reading.input : '';
  if (reading.activity === 'ready' && inputHolds(input, nudge.text)) {
    if (since < nudge.attempts * ENTER_RETRY_MS) return { kind: 'wait' };
    if (nudge.attempts > MAX_SUBMIT_ATTEMPTS)
      return {
        kind: 'fail',
        error: 'the text stayed in the agent’s input: Enter did not submit it',
      };
    return { kind: 'enter' };
  }
  if (reading.activity === 'ready' || reading.activity === 'busy') {
    // The text left the input: submitted. A hook, if any, gets a moment to say so itself.
    if (look.hooks && since < HOOK_GRACE_MS) return { kind: 'wait' };
    return { kind: 'delivered' };
  }
  if (since > TYPED_TIMEOUT_MS)
    return { kind: 'fail', error: `the agent was ${reading.activity} and never took the prompt` };
  return { kind: 'wait' };
}

/** The typed nudge a submitted prompt (as a hook reports it) carries, if any. */
export function nudgeInPrompt(typed: readonly Nudge[], prompt: string): Nudge | undefined {
  return (
    typed.find((n) => prompt.includes(n.text.trim())) ??
    // A long paste is submitted wrapped or shown as "[Pasted text …]": one typed nudge is it.
    (typed.length === 1 && /\[Pasted|<pasted_content/.test(prompt) ? typed[0] : undefined)
  );
}

/** The longest prompt gt types into an agent. */
export const MAX_PROMPT_BYTES = 32 * 1024;

/** A prompt as a person gives it (command line, dashboard): the text, or a clear error. */
export function checkPrompt(text: string, emptyCode: ErrorCode): string {
  if (text.trim() === '') throw new InputError(emptyCode, 'the prompt is empty');
  if (text.includes('\0')) throw new InputError('GT_BAD_BODY', 'the prompt holds a NUL character');
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PROMPT_BYTES)
    throw new InputError(
      'GT_BODY_TOO_LONG',
      `the prompt is ${bytes} bytes; at most ${MAX_PROMPT_BYTES}`,
    );
  return text;
}
