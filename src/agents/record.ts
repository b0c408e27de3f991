// An agent's record in the store changes only through the named transitions here, so
// every write to it says what happened to the agent, and the fields each event touches are
// decided in one place.
import type { AgentRecord, Store } from '../store/store.js';
import type { Address } from '../town/identity.js';

export interface StartFacts {
  host: string;
  session: string;
  tokenHash: string;
  startedAt: number;
  runtime: string;
  /** The message of the lifecycle request this start carries out; other starts keep the last one. */
  requestMessageId?: string | undefined;
  /** The conversation it resumes (none yet when fresh: its hooks report the new one). */
  conversationId: string | null;
  transcriptPath: string | null;
  sessionMode: 'fresh' | 'resumed';
}

/** A session is about to be created with a fresh token; not confirmed until tmux answers. */
export function started(store: Store, address: Address, facts: StartFacts): Promise<AgentRecord> {
  const { requestMessageId, ...rest } = facts;
  return store.patchAgent(address, {
    ...rest,
    desired: 'running',
    ...(requestMessageId === undefined ? {} : { requestMessageId }),
    sessionConfirmed: false,
    activity: 'starting',
    activitySince: rest.startedAt,
    activitySource: 'tmux',
    activityDetail: null,
    blockedNotifiedAt: null,
    ...NO_FAILURE,
  });
}

/** tmux has created the session recorded by started(). */
export function confirmed(store: Store, address: Address): Promise<AgentRecord> {
  return store.patchAgent(address, { sessionConfirmed: true });
}

/**
 * A start found the session already running (someone else started it first): the record
 * goes back to what it said before, so that session's token stays the verified one.
 */
export function restored(
  store: Store,
  address: Address,
  previous: AgentRecord | undefined,
): Promise<AgentRecord> {
  return store.patchAgent(address, {
    host: previous?.host ?? null,
    session: previous?.session ?? null,
    tokenHash: previous?.tokenHash ?? null,
    startedAt: previous?.startedAt ?? null,
    requestMessageId: previous?.requestMessageId ?? null,
    sessionConfirmed: previous?.sessionConfirmed ?? false,
    desired: previous?.desired ?? 'running',
  });
}

/** A start that failed before tmux made anything: its token is forgotten. */
export function startFailed(store: Store, address: Address): Promise<AgentRecord> {
  return store.patchAgent(address, { session: null, tokenHash: null, startedAt: null });
}

/** The daemon is about to stop the agent for the request `requestMessageId` and keep it down. */
export function stopping(
  store: Store,
  address: Address,
  facts: { requestMessageId: string; host: string },
): Promise<AgentRecord> {
  return store.patchAgent(address, { ...facts, desired: 'stopped' });
}

/**
 * The session is gone and its token with it, so a process left holding the old token is no
 * longer verified. `keepDown` records that it was stopped on purpose.
 */
export function stopped(
  store: Store,
  address: Address,
  opts: { keepDown: boolean; requestMessageId?: string | undefined },
): Promise<AgentRecord> {
  return store.patchAgent(address, {
    session: null,
    tokenHash: null,
    startedAt: null,
    sessionConfirmed: false,
    ...(opts.requestMessageId === undefined ? {} : { requestMessageId: opts.requestMessageId }),
    ...(opts.keepDown ? { desired: 'stopped' as const } : {}),
  });
}

/**
 * The agent's process exited; `lastExit` is what its screen showed last. A screen read empty
 * (nothing seen, not nothing said) leaves the last words on record from an earlier death.
 */
export function exited(
  store: Store,
  address: Address,
  facts: { lastExit: string; at: number },
): Promise<AgentRecord> {
  return store.patchAgent(address, {
    ...(facts.lastExit === '' ? {} : { lastExit: facts.lastExit }),
    lastExitAt: facts.at,
    activity: 'exited',
    activitySince: facts.at,
    activitySource: 'tmux',
    activityDetail: null,
  });
}

export interface ActivityFacts {
  activity: string;
  /** hook, screen or tmux */
  source: string;
  detail: string | null;
  /** When it began; an activity that goes on keeps its first time. */
  since: number;
}

/** What the agent is doing now, and who says so. */
export function activityChanged(
  store: Store,
  address: Address,
  facts: ActivityFacts,
): Promise<AgentRecord> {
  return store.patchAgent(address, {
    activity: facts.activity,
    activitySince: facts.since,
    activitySource: facts.source,
    activityDetail: facts.detail,
    // A new blocked stretch is told of again; any other activity ends the stretch.
    ...(facts.activity === 'blocked' ? {} : { blockedNotifiedAt: null }),
  });
}

/** The mayor was told the agent is blocked. */
export function blockedNotified(store: Store, address: Address, at: number): Promise<AgentRecord> {
  return store.patchAgent(address, { blockedNotifiedAt: at });
}

/** Automatic restarts inside the crash-loop window; [] forgets them (a stable run). */
export function restartsCounted(
  store: Store,
  address: Address,
  restarts: number[],
): Promise<AgentRecord> {
  return store.patchAgent(address, { restarts, nextRestartAt: null });
}

/** The next automatic restart waits until `until` (backoff). */
export function restartDeferred(
  store: Store,
  address: Address,
  until: number,
): Promise<AgentRecord> {
  return store.patchAgent(address, { nextRestartAt: until });
}

/** Crash loop: the daemon stops restarting the agent until someone clears it. */
export function parked(
  store: Store,
  address: Address,
  facts: { reason: string; restarts: number[]; at: number },
): Promise<AgentRecord> {
  return store.patchAgent(address, {
    parkedAt: facts.at,
    parkedReason: facts.reason,
    restarts: facts.restarts,
    nextRestartAt: null,
  });
}

/**
 * `gt daemon clear-backoff`: history forgotten, park lifted, a hold or pause cleared. The
 * failure's line is kept: the screen may show it until the agent's next turn, and it is not
 * taken for a new failure.
 */
export function unparked(store: Store, address: Address): Promise<AgentRecord> {
  return store.patchAgent(address, {
    restarts: [],
    parkedAt: null,
    parkedReason: null,
    nextRestartAt: null,
    failureKind: null,
    failureSince: null,
    failureUntil: null,
    failureCount: null,
    failureNotifiedAt: null,
  });
}

const NO_FAILURE = {
  failureKind: null,
  failureSince: null,
  failureDetail: null,
  failureUntil: null,
  failureCount: null,
  failureNotifiedAt: null,
};

/** Why the agent is not doing its work, and until when nothing is done about it. */
export function failed(
  store: Store,
  address: Address,
  f: { kind: string; detail: string; since: number; until: number | null; count: number },
): Promise<AgentRecord> {
  return store.patchAgent(address, {
    failureKind: f.kind,
    failureSince: f.since,
    failureDetail: f.detail,
    failureUntil: f.until,
    failureCount: f.count,
  });
}

/** The same failure, now shown by another line (kept so that a stale screen is recognized). */
export function failureSeen(store: Store, address: Address, detail: string): Promise<AgentRecord> {
  return store.patchAgent(address, { failureDetail: detail });
}

/** A person let the agent go on past its budget: for the rest of that day. */
export function budgetCleared(store: Store, address: Address, at: number): Promise<AgentRecord> {
  return store.patchAgent(address, { budgetClearedAt: at });
}

/** The mayor was told of the failure. */
export function failureNotified(store: Store, address: Address, at: number): Promise<AgentRecord> {
  return store.patchAgent(address, { failureNotifiedAt: at });
}

/** Its screen no longer shows the failure: working again. */
export function recovered(store: Store, address: Address): Promise<AgentRecord> {
  return store.patchAgent(address, NO_FAILURE);
}

/** Its hooks named the conversation the session holds (and where its transcript is). */
export function conversationReported(
  store: Store,
  address: Address,
  facts: { conversationId: string; transcriptPath: string | null },
): Promise<AgentRecord> {
  return store.patchAgent(address, facts);
}
