// What to do with one claimed message: a pure function of the message, the policy and the
// facts about its agent, returning a plan that execute.ts carries out. Facts cost I/O, so the
// decision asks only for those it needs: it returns `need` until it has them.
import type { LifecycleAction } from '../protocol/request.js';
import { predatesAsk, verifyRequesting } from '../protocol/request.js';
import type { AgentState } from '../state/agent-state.js';
import type { AgentRecord, Message } from '../store/store.js';
import type { LifecycleRequest, Screened, ScreenPolicy } from './screen.js';
import { screenMessage } from './screen.js';
import type { RequestOutcome } from './outcome.js';

/** The steps of carrying out a request, in order; execute.ts maps each to its effect. */
export const STEPS = {
  /** Record that this request stops the agent and keeps it down (before touching tmux). */
  recordStop: 'record-stop',
  /** End the session and forget its token, keeping the agent down. */
  stopAgent: 'stop-agent',
  /** End the session (a cycle or restart replaces it). */
  stopSession: 'stop-session',
  /** Start a fresh session for this request (sync first where the role asks for it). */
  start: 'start',
  /** The session a predecessor created for this request exists: mark it confirmed. */
  confirm: 'confirm',
  /** Remove the requesting fields from the agent's state file. */
  clearRequest: 'clear-request',
} as const;
export type Step = (typeof STEPS)[keyof typeof STEPS];

export interface DecisionPolicy extends ScreenPolicy {
  maxAttempts: number;
}

export interface RequestFacts {
  msg: Message;
  policy: DecisionPolicy;
  /** The message screened once (screen.ts): a typed request with its parsed sender, or why not. */
  screened: Screened;
  /** The sending agent: why it does not exist in this town, or its record (none yet: undefined). */
  agent?: { unknown: string } | { record: AgentRecord | undefined } | undefined;
  /** The agent's state file; asked for only when the request is not a resumption. */
  state?: AgentState | undefined;
  /** Whether the agent's session exists; asked for only to resume an unconfirmed start. */
  sessionExists?: boolean | undefined;
}

export type Fact = 'agent' | 'state' | 'sessionExists';

export interface RequestTags {
  action: LifecycleAction;
  identity: string;
  requestId: string | undefined;
}

export type Plan =
  /** A fact is missing: gather it and decide again. */
  | { kind: 'need'; fact: Fact }
  /** Claimed more often than max_attempts without settling: dead-lettered unrun. */
  | { kind: 'dead'; reason: string }
  /** Closed without running anything. */
  | {
      kind: 'close';
      outcome: Extract<RequestOutcome, 'ignored' | 'rejected' | 'stale'>;
      reason: string;
      tags?: Partial<RequestTags>;
    }
  /** Carry out `steps`; `resumed` when a predecessor had begun this very request. */
  | {
      kind: 'run';
      request: LifecycleRequest;
      steps: Step[];
      resumed: boolean;
      tags: RequestTags;
    };

/** The facts of a claimed message before any is gathered: the message, screened once. */
export function firstFacts(msg: Message, policy: DecisionPolicy): RequestFacts {
  return { msg, policy, screened: screenMessage(msg, policy) };
}

export function decideRequest(facts: RequestFacts): Plan {
  const { msg, policy, screened } = facts;
  if (msg.attempts > policy.maxAttempts) {
    const reason = `claimed ${msg.attempts} times without settling: every daemon that took it died`;
    return { kind: 'dead', reason };
  }
  if (screened.kind === 'not-lifecycle')
    return { kind: 'close', outcome: 'ignored', reason: 'not a lifecycle request' };
  if (screened.kind === 'rejected') {
    const tags = screened.action === undefined ? {} : { action: screened.action };
    return { kind: 'close', outcome: 'rejected', reason: screened.reason, tags };
  }
  const request = screened.request;
  const tags: RequestTags = {
    action: request.action,
    identity: request.address,
    requestId: request.requestId,
  };
  if (facts.agent === undefined) return { kind: 'need', fact: 'agent' };
  if ('unknown' in facts.agent)
    return { kind: 'close', outcome: 'rejected', reason: facts.agent.unknown, tags };
  const record = facts.agent.record;
  if (record?.requestMessageId === msg.id) return resumePlan(facts, record, request, tags);
  if (facts.state === undefined) return { kind: 'need', fact: 'state' };
  const verdict = verifyRequesting(facts.state, request.action, request.requestId);
  if (!verdict.ok) return { kind: 'close', outcome: 'stale', reason: verdict.reason, tags };
  const predates = predatesAsk(facts.state.requesting_time, request.createdAt);
  if (predates !== undefined) return { kind: 'close', outcome: 'stale', reason: predates, tags };
  const steps: Step[] =
    request.action === 'shutdown'
      ? [STEPS.recordStop, STEPS.stopAgent, STEPS.clearRequest]
      : [STEPS.stopSession, STEPS.start, STEPS.clearRequest];
  return { kind: 'run', request, steps, resumed: false, tags };
}

/**
 * A predecessor claimed this request and recorded it on the agent before it died: finish the
 * action, never repeat it. A session created after that record is this request's own.
 */
function resumePlan(
  facts: RequestFacts,
  record: AgentRecord,
  request: LifecycleRequest,
  tags: RequestTags,
): Plan {
  const run = (steps: Step[]): Plan => ({ kind: 'run', request, steps, resumed: true, tags });
  if (request.action === 'shutdown') return run([STEPS.stopAgent, STEPS.clearRequest]);
  if (record.sessionConfirmed) return run([STEPS.clearRequest]);
  if (facts.sessionExists === undefined) return { kind: 'need', fact: 'sessionExists' };
  // Died after recording the request but before tmux made the session: start it now.
  if (!facts.sessionExists) return run([STEPS.start, STEPS.clearRequest]);
  // The old session was stopped before the record was written, so this one is ours.
  return run([STEPS.confirm, STEPS.clearRequest]);
}
