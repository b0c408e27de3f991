// How a lifecycle request ended, as one vocabulary: written into the settled message by the
// daemon (execute.ts) as a word and a reason, and read back as such by whoever waits for the
// request (handoff.ts).
import { outcomeText } from '../mail/mail.js';
import type { Message } from '../store/store.js';

export const REQUEST_OUTCOMES = ['done', 'rejected', 'stale', 'ignored', 'dead-letter'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

export interface Settled {
  outcome: RequestOutcome;
  reason: string | null;
}

/** How a settled message ended; undefined while it is still open or claimed. */
export function settledOutcome(msg: Message): Settled | undefined {
  if (msg.status === 'dead') return { outcome: 'dead-letter', reason: msg.lastError };
  if (msg.status !== 'done') return undefined;
  const word = msg.outcome ?? '';
  // An outcome another tool wrote is not a success we can vouch for.
  if (!isOutcome(word))
    return { outcome: 'rejected', reason: outcomeText(word, msg.outcomeReason) || null };
  return { outcome: word, reason: msg.outcomeReason };
}

function isOutcome(word: string): word is RequestOutcome {
  return (REQUEST_OUTCOMES as readonly string[]).includes(word);
}
