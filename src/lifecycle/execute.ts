// Carrying out one claimed lifecycle request: gather the facts decide.ts asks for, apply its
// plan step by step, settle. Exactly-once rests on the agent record: before touching a session
// the daemon writes which request it acts for, so a daemon that died half-way is followed by
// one that finishes the same action instead of doing it again.
import { errorMessage, GtError } from '../errors.js';
import type { DaemonDeps } from '../agents/context.js';
import { emit } from '../agents/context.js';
import { startHeld, stopHeld } from '../agents/agent.js';
import { withAgentLock } from '../agents/lock.js';
import { queueStartupPrompt } from '../agents/prime.js';
import type { Continuity } from '../agents/continuity.js';
import type { LifecycleAction } from '../protocol/request.js';
import * as record from '../agents/record.js';
import type { ResolvedAgent } from '../agents/resolve.js';
import { resolveAgent } from '../agents/resolve.js';
import { clearRequesting, readAgentState } from '../state/agent-state.js';
import type { EventKind, Message, Settlement } from '../store/store.js';
import { readRigs, requireKnownIdentity } from '../town/layout.js';
import { ms } from '../util/duration.js';
import { syncWorkspace } from '../workspace/sync.js';
import type { DecisionPolicy, Fact, Plan, RequestFacts, RequestTags, Step } from './decide.js';
import { decideRequest, firstFacts, STEPS } from './decide.js';
import type { RequestOutcome } from './outcome.js';

interface Outcome {
  settlement: Settlement;
  event: {
    kind: EventKind;
    outcome: RequestOutcome | 'retry';
    reason?: string | undefined;
    tags?: Partial<RequestTags> | undefined;
  };
}

/**
 * Handles one claimed message and settles it: a failed action becomes a retry and an event.
 * Only the store itself failing (busy, full, read-only) while settling is thrown; the daemon
 * then puts the claim back and tries again, and the agent record keeps the action from repeating.
 */
export async function executeClaimed(deps: DaemonDeps, msg: Message): Promise<Settlement> {
  const started = deps.now();
  deps.crashPoint?.('claimed');
  let outcome: Outcome;
  try {
    outcome = await carryOut(deps, msg);
  } catch (err) {
    outcome = failure(deps, msg, err);
  }
  const { settlement, event } = outcome;
  deps.crashPoint?.('acted');
  const held = await deps.store.settleMessage(msg.id, deps.owner, settlement, deps.now());
  await emit(deps, {
    kind: event.kind,
    identity: event.tags?.identity ?? msg.from,
    messageId: msg.id,
    requestId: event.tags?.requestId ?? null,
    action: event.tags?.action ?? null,
    outcome: held ? event.outcome : `${event.outcome} (claim lost)`,
    reason: event.reason ?? null,
    durationMs: Math.round(deps.now() - started),
    data: { attempt: msg.attempts },
  });
  return settlement;
}

function policyOf(deps: DaemonDeps): DecisionPolicy {
  const lifecycle = deps.settings.lifecycle;
  return {
    now: deps.now(),
    maxAgeMs: ms(lifecycle.max_age),
    requireVerifiedSender: lifecycle.require_verified_sender,
    maxAttempts: lifecycle.max_attempts,
  };
}

/** Decides, gathering each fact the decision asks for, then applies the plan. */
async function carryOut(deps: DaemonDeps, msg: Message): Promise<Outcome> {
  const facts = firstFacts(msg, policyOf(deps));
  let plan = decideRequest(facts);
  while (plan.kind === 'need') {
    await gather(deps, facts, plan.fact);
    plan = decideRequest(facts);
  }
  return apply(deps, msg, plan);
}

/** Reads one fact about the sender (the decision asks only once the request screened). */
async function gather(deps: DaemonDeps, facts: RequestFacts, fact: Fact): Promise<void> {
  if (facts.screened.kind !== 'request') return;
  const { sender, address, session } = facts.screened.request;
  switch (fact) {
    case 'agent':
      try {
        requireKnownIdentity(deps.root, sender);
      } catch (err) {
        facts.agent = { unknown: errorMessage(err) };
        return;
      }
      facts.agent = { record: await deps.store.getAgent(address) };
      return;
    case 'state':
      facts.state = readAgentState(deps.root, sender);
      return;
    case 'sessionExists':
      facts.sessionExists = (await deps.host.find(session)) !== undefined;
      return;
    default: {
      const never: never = fact;
      return never;
    }
  }
}

async function apply(
  deps: DaemonDeps,
  msg: Message,
  plan: Exclude<Plan, { kind: 'need' }>,
): Promise<Outcome> {
  switch (plan.kind) {
    case 'dead':
      return {
        settlement: { kind: 'dead', error: plan.reason },
        event: { kind: 'request.dead', outcome: 'dead-letter', reason: plan.reason },
      };
    case 'close':
      return closed(
        plan.outcome === 'ignored' ? 'mail.ignored' : 'request.rejected',
        plan.outcome,
        plan.reason,
        plan.tags,
      );
    case 'run': {
      const agent = resolveAgent(deps, plan.request.sender);
      // Under the agent's lock: a user's gt session restart cannot interleave with the plan.
      await withAgentLock(deps.root, agent, async () => {
        for (const step of plan.steps) await runStep(deps, msg, agent, step, plan);
      });
      const reason = plan.resumed ? 'finished after an interrupted attempt' : undefined;
      return closed('request.done', 'done', reason, plan.tags);
    }
    default: {
      const never: never = plan;
      return never;
    }
  }
}

function closed(
  kind: EventKind,
  outcome: RequestOutcome,
  reason: string | undefined,
  tags: Partial<RequestTags> | undefined,
): Outcome {
  // Mail that is no request stays in the deacon's inbox, unread, for whoever reads it.
  const settled = outcome === 'ignored' ? 'mail' : 'done';
  const settlement: Settlement = { kind: settled, outcome, reason: reason ?? null };
  return { settlement, event: { kind, outcome, reason, tags } };
}

async function runStep(
  deps: DaemonDeps,
  msg: Message,
  agent: ResolvedAgent,
  step: Step,
  plan: Extract<Plan, { kind: 'run' }>,
): Promise<void> {
  const { address } = agent;
  switch (step) {
    case STEPS.recordStop:
      await record.stopping(deps.store, address, { requestMessageId: msg.id, host: deps.hostName });
      deps.crashPoint?.('recorded');
      return;
    case STEPS.stopAgent:
      // stopAgent also forgets the token: a process left from the session can no longer speak for it.
      await stopHeld(deps, agent, { requestMessageId: msg.id });
      deps.crashPoint?.('stopped');
      return;
    case STEPS.stopSession:
      await deps.host.stop(agent.session);
      deps.crashPoint?.('stopped');
      return;
    case STEPS.start: {
      const started = await startHeld(deps, agent, {
        requestMessageId: msg.id,
        // The plan ended the session itself, or found it gone (resuming a start).
        knownStopped: true,
        beforeStart: (who) => syncBeforeStart(deps, who),
        continuity: continuityOf(plan.request.action, msg.id),
      });
      if (!started.told) await queueStartupPrompt(deps, agent);
      deps.crashPoint?.('started');
      return;
    }
    case STEPS.confirm:
      await record.confirmed(deps.store, address);
      return;
    case STEPS.clearRequest:
      await clearRequesting(deps.root, agent.id, plan.request.action, plan.request.requestId);
      return;
    default: {
      const never: never = step;
      return never;
    }
  }
}

/** A cycle (gt handoff) starts fresh with its note; a restart the agent asked for resumes. */
function continuityOf(action: LifecycleAction, messageId: string): Continuity {
  return action === 'cycle'
    ? { ended: 'handoff', detail: messageId, choice: 'fresh' }
    : { ended: 'restart', detail: 'its own restart request' };
}

/** Workspace sync for roles that ask for it; a failure stops the start only if sync.required. */
async function syncBeforeStart(deps: DaemonDeps, agent: ResolvedAgent): Promise<void> {
  const { id } = agent;
  if (!deps.settings.agents[id.role].sync || id.role === 'mayor' || id.role === 'deacon') return;
  const branch = readRigs(deps.root).rigs[id.rig]?.default_branch ?? 'main';
  const result = await syncWorkspace({
    dir: agent.workDir,
    branch,
    syncCommand: deps.settings.sync.command,
    timeoutMs: ms(deps.settings.sync.timeout),
  });
  await emit(deps, {
    kind: 'workspace.sync',
    identity: agent.address,
    outcome: result.ok ? 'ok' : result.conflict ? 'conflict' : 'failed',
    reason: result.error ?? null,
    data: { steps: result.steps },
  });
  if (!result.ok && deps.settings.sync.required) {
    throw new GtError(
      'GT_SYNC_FAILED',
      `workspace sync failed: ${result.error ?? 'see the workspace.sync event'}`,
    );
  }
}

function failure(deps: DaemonDeps, msg: Message, err: unknown): Outcome {
  const reason = errorMessage(err);
  const maxAttempts = deps.settings.lifecycle.max_attempts;
  if (msg.attempts >= maxAttempts) {
    return {
      settlement: { kind: 'dead', error: reason },
      event: {
        kind: 'request.dead',
        outcome: 'dead-letter',
        reason: `${reason} (after ${msg.attempts} attempts)`,
      },
    };
  }
  const backoff = ms(deps.settings.lifecycle.retry_backoff) * 2 ** Math.max(0, msg.attempts - 1);
  return {
    settlement: { kind: 'retry', error: reason, nextAttemptAt: deps.now() + backoff },
    event: {
      kind: 'request.retry',
      outcome: 'retry',
      reason: `${reason} (attempt ${msg.attempts} of ${maxAttempts})`,
    },
  };
}
