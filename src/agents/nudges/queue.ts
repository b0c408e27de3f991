// Queueing a prompt for an agent, whoever asks (gt nudge, the dashboard, the first prompt of a
// fresh session, a probe after a pause): checked, stored, on record, and the daemon woken. The
// store keeps it, so a daemon restart loses nothing; the daemon types it in (deliver.ts).
import type { ErrorCode } from '../../errors.js';
import { InputError } from '../../errors.js';
import type { NewEvent, Nudge, StoredEvent } from '../../store/store.js';
import type { Address } from '../../town/identity.js';
import { townPaths } from '../../town/layout.js';
import { poke } from '../../util/socket.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';

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

export interface NudgeRequest {
  to: Address;
  from: string;
  text: string;
  /** Why, for the event (e.g. "first prompt of the new session"). */
  reason?: string | undefined;
  /** More for the event's data (e.g. the dashboard as its source). */
  data?: Record<string, unknown> | undefined;
}

export interface Queued {
  nudge: Nudge;
  event: StoredEvent;
  /** A daemon took the wake-up. */
  poked: boolean;
}

/**
 * Stores the prompt, records `nudge.queued`, and pokes the daemon unless `poke` is false (the
 * daemon queueing one itself looks at its agents anyway).
 */
export async function queueNudge(
  ctx: Pick<AgentContext, 'root' | 'store' | 'onEvent'>,
  req: NudgeRequest,
  opts: { poke?: boolean } = {},
): Promise<Queued> {
  const nudge = await ctx.store.enqueueNudge({ to: req.to, from: req.from, text: req.text });
  const event: NewEvent = {
    kind: 'nudge.queued',
    identity: nudge.to,
    outcome: 'queued',
    reason: req.reason ?? null,
    data: { nudge: nudge.id, ...req.data },
  };
  const stored = await emit(ctx, event);
  const poked = opts.poke === false ? false : await poke(townPaths(ctx.root).daemonSocket);
  return { nudge, event: stored, poked };
}

/** A nudge as `gt nudge --json` prints it. */
export function nudgeJson(n: Nudge): Record<string, unknown> {
  return {
    id: n.id,
    to: n.to,
    from: n.from,
    text: n.text,
    status: n.status,
    attempts: n.attempts,
    created_at: new Date(n.createdAt).toISOString(),
    delivered_at: n.deliveredAt === null ? null : new Date(n.deliveredAt).toISOString(),
    ack: n.ack,
    error: n.error,
  };
}
