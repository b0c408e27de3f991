// The records of agents, their ended sessions, their prompts (nudges) and the notifications
// about them, as every store keeps them (store.ts is the interface over them).
import type { Address } from '../town/identity.js';

export interface AgentRecord {
  identity: Address;
  /** Host whose daemon owns the agent's session. */
  host: string | null;
  session: string | null;
  /** sha256 of the GT_AGENT_TOKEN given to the current session. */
  tokenHash: string | null;
  startedAt: number | null;
  /**
   * The message id of the lifecycle request whose action last (re)started or stopped the agent
   * (not the agent's own request id, which events carry as requestId).
   */
  requestMessageId: string | null;
  /** The session for requestMessageId was created (set right after tmux answered). */
  sessionConfirmed: boolean;
  /** 'stopped' after a shutdown or gt session stop: keep-alive leaves it alone. */
  desired: 'running' | 'stopped';
  /** Times of automatic restarts inside the crash-loop window. */
  restarts: number[];
  nextRestartAt: number | null;
  parkedAt: number | null;
  parkedReason: string | null;
  /** The last lines the agent's screen showed when it died. */
  lastExit: string | null;
  lastExitAt: number | null;
  /** The agent CLI it runs (agents.<role>.runtime when it was started). */
  runtime: string | null;
  /** What it is doing: starting, dialog, ready, busy, blocked, exited (null: not known). */
  activity: string | null;
  activitySince: number | null;
  /** Who said so: its hooks, its screen, or tmux (for exits). */
  activitySource: string | null;
  /** A dialog's name, or what a blocked screen shows (bounded). */
  activityDetail: string | null;
  /** When the mayor was told the agent is blocked (once per blocked stretch). */
  blockedNotifiedAt: number | null;
  /** Why it is not doing its work (agents/failure.ts), since when, and the line that says so. */
  failureKind: string | null;
  failureSince: number | null;
  failureDetail: string | null;
  /** Nothing is done about it before this time: a hold, a pause or a backoff. */
  failureUntil: number | null;
  /** Failures of this kind in a row (the backoff grows with it). */
  failureCount: number | null;
  /** When the mayor was told of this failure (once per stretch). */
  failureNotifiedAt: number | null;
  /** The runtime's own id of the conversation the session holds, as its hooks report it. */
  conversationId: string | null;
  /** Where the runtime keeps that conversation's transcript, as its hooks report it. */
  transcriptPath: string | null;
  /** How the current session began: a fresh conversation, or one resumed. */
  sessionMode: SessionMode | null;
  /** When a person last let it go on past its budget (gt daemon clear-backoff): for that day. */
  budgetClearedAt: number | null;
  updatedAt: number;
}

export const SESSION_MODES = ['fresh', 'resumed'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

/**
 * Why an agent session ended: a crash (its process exited), a reboot (gone with the tmux server),
 * a restart by a person, a handoff, a full context, a stop, a resume the runtime refused, or
 * replaced by a start nobody gave a reason for.
 */
export const SESSION_ENDINGS = [
  'crash',
  'reboot',
  'restart',
  'handoff',
  'context_full',
  'stop',
  'resume-failed',
  'replaced',
] as const;
export type SessionEnding = (typeof SESSION_ENDINGS)[number];

/** One ended session of an agent (`gt session history`). */
export interface EndedSession {
  identity: string;
  startedAt: number;
  endedAt: number;
  ending: SessionEnding;
  /** What said so: the last line on its screen, the request, the failure. */
  detail: string | null;
  runtime: string | null;
  mode: SessionMode | null;
  conversationId: string | null;
  transcriptPath: string | null;
}

export type AgentPatch = Partial<Omit<AgentRecord, 'identity' | 'updatedAt'>>;

/**
 * Where a prompt queued for an agent (gt nudge) stands: `typing` is claimed for the paste (the
 * text may or may not be in the agent's input yet, and was never submitted), `typed` was seen
 * in the input (Enter may have been pressed since: it is never typed again).
 */
export const NUDGE_STATUSES = [
  'queued',
  'typing',
  'typed',
  'delivered',
  'failed',
  'cancelled',
] as const;
export type NudgeStatus = (typeof NUDGE_STATUSES)[number];
/** The statuses of a prompt not yet settled. */
export const PENDING_NUDGE: readonly NudgeStatus[] = ['queued', 'typing', 'typed'];

export interface NewNudge {
  to: string;
  from: string;
  text: string;
  createdAt?: number;
}

export interface Nudge {
  id: string;
  seq: number;
  to: string;
  from: string;
  text: string;
  createdAt: number;
  status: NudgeStatus;
  /** Enter presses claimed to submit it (a retry presses Enter, never types again). */
  attempts: number;
  /** The session it was typed into: a new session of the agent starts from queued again. */
  session: string | null;
  /** When it was claimed for typing. */
  typedAt: number | null;
  /** When the text was seen in the agent's input (the evidence the paste landed). */
  seenAt: number | null;
  deliveredAt: number | null;
  /** What showed it reached the model: "hook" or "screen". */
  ack: string | null;
  error: string | null;
  updatedAt: number;
}

export type NudgePatch = Partial<
  Pick<
    Nudge,
    'status' | 'attempts' | 'session' | 'typedAt' | 'seenAt' | 'deliveredAt' | 'ack' | 'error'
  >
>;

export interface NudgeQuery {
  to?: string;
  statuses?: readonly NudgeStatus[];
  limit?: number;
}

/**
 * A notification in the outbox: written with the event that causes it, delivered by the
 * daemon's sender with retries; `pending` until delivered, or `dead` after its last attempt.
 */
export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NewNotification {
  /** The channel's name in notify.channels. */
  channel: string;
  /** What it is about: blocked, held, parked, rate_limited, stalled, dead_letter, … */
  kind: string;
  identity: string | null;
  title: string;
  text: string;
  /**
   * Repeats fold: a notification with the same key in the same window (from `windowStart` for
   * `windowMs`) is not sent again; one more, sent at the window's end, counts them. No key: never.
   */
  fold?: { key: string; windowStart: number; windowMs: number } | undefined;
}

export interface Notification extends Omit<NewNotification, 'fold'> {
  /** 0: the first of its key in its window; 1: the count of the repeats that followed it. */
  phase: number;
  /** How many events it stands for (a folded one: the repeats). */
  repeats: number;
  id: string;
  seq: number;
  /** The event it was written with. */
  eventSeq: number | null;
  createdAt: number;
  status: NotificationStatus;
  attempts: number;
  /** When it is due: its first try, its next retry, or the end of a sender's claim on it. */
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

export type NotificationResult =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; nextAttemptAt: number }
  /** Not tried (its channel's rate limit): due again then, the claim's attempt not counted. */
  | { kind: 'defer'; nextAttemptAt: number }
  | { kind: 'dead'; error: string };
