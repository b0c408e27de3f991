// Carrying out one claimed lifecycle request: screen, verify, act, settle.
// Exactly-once rests on the agent record: before touching a session the daemon writes
// which request it acts for, so a daemon that died half-way is followed by one that
// finishes the same action instead of doing it again.
import { errorMessage, GtError } from '../errors.js';
import type { AgentContext } from '../sessions/agent.js';
import { startAgent, stopAgent } from '../sessions/agent.js';
import { clearRequesting, readAgentState, verifyRequesting } from '../state/agent-state.js';
import type { AgentRecord, Message, Settlement, StoredEvent } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, sessionName, workDirPath } from '../town/identity.js';
import { requireKnownIdentity, readRigs } from '../town/layout.js';
import { ms } from '../town/settings.js';
import { syncWorkspace } from '../workspace/sync.js';
import type { LifecycleRequest } from './screen.js';
import { screenMessage } from './screen.js';
import { crashPoint } from './crash.js';

export interface ExecuteDeps extends AgentContext {
  owner: string;
  now: () => number;
  /** Called with every event as it is recorded (the demo prints them). */
  onEvent?: (event: StoredEvent) => void;
}

interface Outcome {
  settlement: Settlement;
  event: {
    kind: string;
    outcome: string;
    reason?: string;
    action?: string;
    identity?: string;
    requestId?: string;
  };
}

/**
 * Handles one claimed message and settles it: a failed action becomes a retry and an event.
 * Only the store itself failing (busy, full, read-only) while settling is thrown; the daemon
 * then puts the claim back and tries again, and the agent record keeps the action from repeating.
 */
export async function executeClaimed(deps: ExecuteDeps, msg: Message): Promise<Settlement> {
  const started = deps.now();
  crashPoint('claimed');
  let outcome: Outcome;
  try {
    outcome = overClaimed(deps, msg) ?? (await decideAndAct(deps, msg));
  } catch (err) {
    outcome = failure(deps, msg, err);
  }
  const { settlement, event } = outcome;
  crashPoint('acted');
  const held = await deps.store.settleMessage(msg.id, deps.owner, settlement, deps.now());
  const recorded = await deps.store.recordEvent({
    kind: event.kind,
    identity: event.identity ?? msg.from,
    messageId: msg.id,
    requestId: event.requestId ?? null,
    action: event.action ?? null,
    outcome: held ? event.outcome : `${event.outcome} (claim lost)`,
    reason: event.reason ?? null,
    durationMs: Math.round(deps.now() - started),
    data: { attempt: msg.attempts },
  });
  deps.onEvent?.(recorded);
  return settlement;
}

/**
 * A request claimed more often than max_attempts without ever settling killed every daemon
 * that took it (out of memory, say): it is dead-lettered unrun, so work stays bounded.
 */
function overClaimed(deps: ExecuteDeps, msg: Message): Outcome | undefined {
  const max = deps.settings.lifecycle.max_attempts;
  if (msg.attempts <= max) return undefined;
  const error = `claimed ${msg.attempts} times without settling: every daemon that took it died`;
  return {
    settlement: { kind: 'dead', error },
    event: { kind: 'request.dead', outcome: 'dead-letter', reason: error },
  };
}

async function decideAndAct(deps: ExecuteDeps, msg: Message): Promise<Outcome> {
  const screened = screenMessage(msg, {
    now: deps.now(),
    maxAgeMs: ms(deps.settings.lifecycle.max_age),
    requireVerifiedSender: deps.settings.lifecycle.require_verified_sender,
  });
  switch (screened.kind) {
    case 'not-lifecycle':
      return done('mail.ignored', 'ignored', { reason: 'not a lifecycle request' });
    case 'rejected':
      return done('request.rejected', 'rejected', {
        reason: screened.reason,
        action: screened.action,
      });
    case 'request':
      return handleRequest(deps, msg, screened.request);
    default: {
      const never: never = screened;
      return never;
    }
  }
}

function done(
  kind: string,
  outcome: string,
  extra: Omit<Outcome['event'], 'kind' | 'outcome'> = {},
): Outcome {
  const reason = extra.reason === undefined ? '' : `: ${extra.reason}`;
  return {
    settlement: { kind: 'done', outcome: `${outcome}${reason}` },
    event: { kind, outcome, ...extra },
  };
}

async function handleRequest(
  deps: ExecuteDeps,
  msg: Message,
  request: LifecycleRequest,
): Promise<Outcome> {
  const id = request.sender;
  const address = formatAddress(id);
  const tags = { action: request.action, identity: address, requestId: request.requestId };
  try {
    requireKnownIdentity(deps.root, id);
  } catch (err) {
    return done('request.rejected', 'rejected', { ...tags, reason: errorMessage(err) });
  }
  const record = await deps.store.getAgent(address);
  if (record?.requestId === msg.id) {
    // A predecessor claimed this request and got part of the way: finish, never repeat.
    await resume(deps, msg, request, record);
    return done('request.done', 'done', {
      ...tags,
      reason: 'finished after an interrupted attempt',
    });
  }
  const agentState = readAgentState(deps.root, id);
  const verdict = verifyRequesting(agentState, request.action, request.requestId);
  if (!verdict.ok) return done('request.rejected', 'stale', { ...tags, reason: verdict.reason });
  const predates = predatesAsk(agentState.requesting_time, request.createdAt);
  if (predates !== undefined)
    return done('request.rejected', 'stale', { ...tags, reason: predates });
  await act(deps, msg, request);
  return done('request.done', 'done', tags);
}

/**
 * A request sent before the agent's current ask cannot be that ask (the seed's P0).
 * Both times come from the agent's own machine: gt handoff stamps the state, then mails.
 */
export function predatesAsk(
  requestingTime: unknown,
  sentAt: number,
  skewMs = 0,
): string | undefined {
  if (typeof requestingTime !== 'string') return undefined;
  const askedAt = Date.parse(requestingTime);
  if (Number.isNaN(askedAt) || sentAt >= askedAt - skewMs) return undefined;
  return `sent ${new Date(sentAt).toISOString()}, before the agent's current request (${requestingTime})`;
}

async function act(deps: ExecuteDeps, msg: Message, request: LifecycleRequest): Promise<void> {
  const id = request.sender;
  const session = sessionName(id);
  if (request.action === 'shutdown') {
    await deps.store.patchAgent(formatAddress(id), {
      requestId: msg.id,
      desired: 'stopped',
      host: deps.hostName,
    });
    crashPoint('recorded');
    // stopAgent also forgets the token: a process left from the session can no longer speak for it.
    await stopAgent(deps, id, { requestId: msg.id });
    crashPoint('stopped');
    await clearRequesting(deps.root, id, request.action, request.requestId);
    return;
  }
  await deps.host.stop(session);
  crashPoint('stopped');
  await startFor(deps, msg, id, true);
  crashPoint('started');
  await clearRequesting(deps.root, id, request.action, request.requestId);
}

async function resume(
  deps: ExecuteDeps,
  msg: Message,
  request: LifecycleRequest,
  record: AgentRecord,
): Promise<void> {
  const id = request.sender;
  const session = sessionName(id);
  if (request.action === 'shutdown') {
    await stopAgent(deps, id, { requestId: msg.id });
  } else if (!record.sessionConfirmed && (await deps.host.find(session)) === undefined) {
    // The predecessor died after recording this request but before tmux made the session.
    await startFor(deps, msg, id);
  } else if (!record.sessionConfirmed) {
    // The old session was stopped before the record was written, so this one is ours.
    await deps.store.patchAgent(formatAddress(id), { sessionConfirmed: true });
  }
  await clearRequesting(deps.root, id, request.action, request.requestId);
}

async function startFor(
  deps: ExecuteDeps,
  msg: Message,
  id: Identity,
  justStopped = false,
): Promise<void> {
  await startAgent(deps, id, {
    requestId: msg.id,
    justStopped,
    beforeStart: (who) => syncBeforeStart(deps, who),
  });
}

/** Workspace sync for roles that ask for it; a failure stops the start only if sync.required. */
async function syncBeforeStart(deps: ExecuteDeps, id: Identity): Promise<void> {
  if (!deps.settings.agents[id.role].sync || id.role === 'mayor' || id.role === 'deacon') return;
  const branch = readRigs(deps.root).rigs[id.rig]?.default_branch ?? 'main';
  const result = await syncWorkspace({
    dir: workDirPath(deps.root, id),
    branch,
    syncCommand: deps.settings.sync.command,
    timeoutMs: ms(deps.settings.sync.timeout),
  });
  const event = await deps.store.recordEvent({
    kind: 'workspace.sync',
    identity: formatAddress(id),
    outcome: result.ok ? 'ok' : result.conflict ? 'conflict' : 'failed',
    reason: result.error ?? null,
    data: { steps: result.steps },
  });
  deps.onEvent?.(event);
  if (!result.ok && deps.settings.sync.required) {
    throw new GtError(
      'GT_SYNC_FAILED',
      `workspace sync failed: ${result.error ?? 'see the workspace.sync event'}`,
    );
  }
}

function failure(deps: ExecuteDeps, msg: Message, err: unknown): Outcome {
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
