// How a lifecycle request ended, as one vocabulary: written into the settled message by the
// daemon (execute.ts) and read back from it by whoever waits for the request (handoff.ts).
import type { Message } from '../store/store.js';

export const REQUEST_OUTCOMES = ['done', 'rejected', 'stale', 'ignored', 'dead-letter'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** The text a settled message keeps as its outcome: the word, then the reason if any. */
export function outcomeText(outcome: RequestOutcome, reason?: string): string {
  return reason === undefined ? outcome : `${outcome}: ${reason}`;
}

export interface Settled {
  outcome: RequestOutcome;
  reason: string | null;
}

/** How a settled message ended; undefined while it is still open or claimed. */
export function settledOutcome(msg: Message): Settled | undefined {
  if (msg.status === 'dead') return { outcome: 'dead-letter', reason: msg.lastError };
  if (msg.status !== 'done') return undefined;
  const text = msg.outcome ?? '';
  const colon = text.indexOf(': ');
  const word = colon < 0 ? text : text.slice(0, colon);
  const reason = colon < 0 ? null : text.slice(colon + 2);
  // Text another tool wrote is not a success we can vouch for.
  if (!(REQUEST_OUTCOMES as readonly string[]).includes(word))
    return { outcome: 'rejected', reason: text };
  return { outcome: word as RequestOutcome, reason };
}
