// Screening a message addressed to the deacon: is it a lifecycle request, and may it
// run? Pure: the message, the clock and the policy in; a verdict out.
import type { Address, Identity } from '../town/identity.js';
import { formatAddress, parseIdentity, sessionName } from '../town/identity.js';
import type { Message } from '../store/store.js';
import type { LifecycleAction } from '../protocol/request.js';
import { isLifecycleSubject, parseBody } from '../protocol/request.js';

export interface LifecycleRequest {
  messageId: string;
  action: LifecycleAction;
  /** The id the agent wrote to its state file, when the request carries one. */
  requestId: string | undefined;
  sender: Identity;
  /** The sender's canonical address and session, formatted once here. */
  address: Address;
  session: string;
  createdAt: number;
}

export type Screened =
  | { kind: 'request'; request: LifecycleRequest }
  /** Mail that is not a lifecycle request at all: left for the deacon to read. */
  | { kind: 'not-lifecycle' }
  /** A lifecycle request that may not run; closed with this reason, never retried. */
  | { kind: 'rejected'; reason: string; action?: LifecycleAction; sender?: string };

export interface ScreenPolicy {
  now: number;
  maxAgeMs: number;
  requireVerifiedSender: boolean;
  /** Clock skew tolerated for a request stamped in the future. */
  futureSkewMs?: number;
}

export function screenMessage(msg: Message, policy: ScreenPolicy): Screened {
  if (!isLifecycleSubject(msg.subject)) return { kind: 'not-lifecycle' };
  const body = parseBody(msg.body);
  if ('error' in body) return { kind: 'rejected', reason: body.error, sender: msg.from };
  const rejected = (reason: string): Screened => ({
    kind: 'rejected',
    reason,
    action: body.action,
    sender: msg.from,
  });
  let sender: Identity;
  try {
    sender = parseIdentity(msg.from);
  } catch (err) {
    return rejected(`sender is not an agent: ${(err as Error).message}`);
  }
  const age = policy.now - msg.createdAt;
  if (age > policy.maxAgeMs)
    return rejected(
      `too old: sent ${Math.round(age / 1000)} s ago (max_age ${Math.round(policy.maxAgeMs / 1000)} s)`,
    );
  if (-age > (policy.futureSkewMs ?? 5 * 60_000))
    return rejected('sent in the future: the sender’s clock is wrong');
  if (policy.requireVerifiedSender && !msg.senderVerified) {
    return rejected(
      'unverified sender: the request did not come from the agent’s own session (GT_AGENT_TOKEN)',
    );
  }
  return {
    kind: 'request',
    request: {
      messageId: msg.id,
      action: body.action,
      requestId: body.requestId,
      sender,
      address: formatAddress(sender),
      session: sessionName(sender),
      createdAt: msg.createdAt,
    },
  };
}
