// The Store interface: mail, lifecycle request processing state, agents and events.
// Every backend (SQLite embedded, PostgreSQL shared) implements it and passes one test suite.
import type { UsageCursor, UsageEntry, UsageQuery, UsageSum } from './usage.js';

export type { Tokens, UsageCursor, UsageEntry, UsageQuery, UsageSum } from './usage.js';
// Agents, sessions, prompts and notifications as stored: their own file, re-exported here.
export * from './records.js';
import type {
  AgentPatch,
  AgentRecord,
  EndedSession,
  NewNotification,
  NewNudge,
  Notification,
  NotificationResult,
  NotificationStatus,
  Nudge,
  NudgePatch,
  NudgeQuery,
  NudgeStatus,
} from './records.js';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Processing state of a message as the daemon sees it; independent of `read`. */
export const MESSAGE_STATUSES = ['open', 'claimed', 'done', 'dead'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MAX_SUBJECT_BYTES = 1024;
export const MAX_BODY_BYTES = 64 * 1024;

export interface NewMessage {
  from: string;
  to: string;
  subject: string;
  body: string;
  priority: Priority;
  type: string;
  threadId?: string | undefined;
  replyTo?: string | undefined;
  senderVerified: boolean;
  /** Milliseconds since the epoch; the store's clock when omitted. */
  createdAt?: number;
}

export interface Message {
  id: string;
  seq: number;
  from: string;
  to: string;
  subject: string;
  body: string;
  priority: Priority;
  type: string;
  threadId: string | null;
  replyTo: string | null;
  createdAt: number;
  read: boolean;
  senderVerified: boolean;
  status: MessageStatus;
  claimOwner: string | null;
  leaseExpiresAt: number | null;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  outcome: string | null;
  /** Why it ended as `outcome` says (a rejection's reason), when there is one. */
  outcomeReason: string | null;
  closedAt: number | null;
  /** When a daemon first claimed it: anything it started after this may be its own work. */
  firstClaimedAt: number | null;
}

export interface InboxOptions {
  unreadOnly?: boolean;
  /** Also closed mail: settled lifecycle requests and archived messages. */
  all?: boolean;
  limit?: number | undefined;
}

export interface ClaimOptions {
  to: string;
  owner: string;
  /** Host of the claiming daemon; recorded with the claim. */
  host: string;
  now: number;
  leaseMs: number;
  limit: number;
  /**
   * Claims held by other daemons on this host are taken over at once, lease or not:
   * the caller holds the host's daemon lock, so their owners are dead.
   */
  takeOverHost?: boolean;
  /**
   * A daemon acts only for its own host's agents: skip requests whose sender's agent record
   * names another host. Senders without a record, or without a host in it, are anyone's.
   */
  onlyOwnHostAgents?: boolean;
}

/** Narrows nextDueAt to what a daemon of `host` may claim (see ClaimOptions.onlyOwnHostAgents). */
export interface DueOptions {
  host: string;
  onlyOwnHostAgents?: boolean;
}

/** What a store can wake a daemon for: new mail to the deacon. */
export type WakeChannel = 'deacon';

/** Stops a subscription; resolves once its connection is closed. */
export type Unsubscribe = () => Promise<void>;

/** How a settled request ended (a word) and why, kept apart: never "word: reason" parsed back. */
export interface Ending {
  outcome: string;
  reason?: string | null | undefined;
}

export type Settlement =
  | ({ kind: 'done' } & Ending)
  | { kind: 'retry'; error: string; nextAttemptAt: number }
  | { kind: 'dead'; error: string }
  /** Not a request at all: left open and unread as plain mail, never claimed again. */
  | ({ kind: 'mail' } & Ending);

/** next_attempt_at of mail a daemon will never claim (settled as plain mail). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** Every kind of event gastown-ts records; `gt events` and the dashboard show them. */
export const EVENT_KINDS = [
  'request.done',
  'request.rejected',
  'request.retry',
  'request.dead',
  'mail.ignored',
  'workspace.sync',
  'agent.started',
  'agent.restarted',
  'agent.restart-failed',
  'agent.check-failed',
  'agent.died',
  'agent.parked',
  'agent.unparked',
  'daemon.pass-failed',
  'daemon.recovered',
  'agent.hooks-skipped',
  'agent.activity',
  'agent.dialog-answered',
  'agent.blocked',
  'nudge.queued',
  'nudge.typed',
  'nudge.requeued',
  'nudge.delivered',
  'nudge.failed',
  'agent.failed',
  'agent.recovered',
  'agent.probed',
  'agent.stalled',
  'agent.cycled',
  'agent.stopped',
  'agent.resume-failed',
  'agent.conversation',
  'notify.test',
  'notify.failed',
  'daemon.restarted',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface NewEvent {
  ts?: number;
  kind: EventKind;
  identity?: string | null;
  messageId?: string | null;
  requestId?: string | null;
  action?: string | null;
  outcome?: string | null;
  reason?: string | null;
  durationMs?: number | null;
  data?: Record<string, unknown> | null;
}

export interface StoredEvent {
  seq: number;
  ts: number;
  /** An EventKind, or a kind a newer gt recorded that this one does not know. */
  kind: string;
  identity: string | null;
  messageId: string | null;
  requestId: string | null;
  action: string | null;
  outcome: string | null;
  reason: string | null;
  durationMs: number | null;
  data: Record<string, unknown> | null;
}

export interface EventQuery {
  sinceTs?: number;
  afterSeq?: number;
  limit?: number;
  /** Only the events of this agent (canonical address). */
  identity?: string;
  /** With `limit`: the newest `limit` events rather than the oldest (still oldest first). */
  newest?: boolean;
}

export interface MessageCounts {
  open: number;
  claimed: number;
  done: number;
  dead: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  sendMessage(msg: NewMessage): Promise<Message>;
  getMessage(id: string): Promise<Message | undefined>;
  listInbox(to: string, opts?: InboxOptions): Promise<Message[]>;
  countUnread(to: string): Promise<number>;
  markRead(id: string, read: boolean): Promise<boolean>;
  deleteMessage(id: string): Promise<boolean>;
  /**
   * Closes an open message without handling it (archive): it leaves the inbox, read, with
   * `outcome`. False when there is no such message or it is not open (a daemon holds it, or
   * it is closed already).
   */
  closeMessage(id: string, outcome: string, now: number): Promise<boolean>;
  /** Every message of a thread, oldest first. */
  listThread(threadId: string): Promise<Message[]>;
  /** Removes read or settled mail created before `before`; returns how many. */
  purgeMessages(before: number): Promise<number>;

  /** Atomically claims due requests addressed to `to` (open and due, or claimed with an expired lease). */
  claimMessages(opts: ClaimOptions): Promise<Message[]>;
  /** Settles a claimed message if `owner` still holds it; false when the claim was lost. */
  settleMessage(id: string, owner: string, settlement: Settlement, now: number): Promise<boolean>;
  /** Puts every message claimed by `owner` back to open without counting an attempt. */
  releaseClaims(owner: string): Promise<number>;
  countByStatus(to: string): Promise<MessageCounts>;
  /** Earliest time an open request falls due or a claim's lease runs out; null when none. */
  nextDueAt(to: string, opts?: DueOptions): Promise<number | null>;
  listByStatus(to: string, status: MessageStatus, limit: number): Promise<Message[]>;

  /** Records an event, and with it (in the same transaction) the notifications it causes. */
  recordEvent(event: NewEvent, notifications?: readonly NewNotification[]): Promise<StoredEvent>;
  listEvents(query?: EventQuery): Promise<StoredEvent[]>;
  /** Removes events recorded before `before`. */
  purgeEvents(before: number): Promise<number>;

  /**
   * Claims due pending notifications for a sender: each gets an attempt counted and is not due
   * again before `now + leaseMs` (a sender that dies mid-delivery leaves it to the next).
   */
  claimNotifications(opts: {
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<Notification[]>;
  /** Records how an attempt went; only a pending notification changes. */
  settleNotification(id: string, result: NotificationResult, now: number): Promise<void>;
  /**
   * Records usage read from a runtime's file, and how far it was read, in one transaction; an
   * entry whose key is recorded already is skipped. Resolves how many were new.
   */
  recordUsage(cursor: UsageCursor, entries: readonly UsageEntry[]): Promise<number>;
  getUsageCursor(path: string): Promise<UsageCursor | undefined>;
  /** Cursors moved (or made) at or after `since`. */
  listUsageCursors(since: number): Promise<UsageCursor[]>;
  /** Usage in [since, until), summed by agent and model. */
  sumUsage(query?: UsageQuery): Promise<UsageSum[]>;

  /** Notifications newest last, filtered by status. */
  listNotifications(query?: {
    statuses?: readonly NotificationStatus[];
    limit?: number;
  }): Promise<Notification[]>;

  enqueueNudge(nudge: NewNudge): Promise<Nudge>;
  getNudge(id: string): Promise<Nudge | undefined>;
  /** Nudges oldest first, filtered by recipient and status. */
  listNudges(query?: NudgeQuery): Promise<Nudge[]>;
  /**
   * Changes a nudge only while its status is one of `from` (so two deliverers never both
   * act on it); undefined when it is not (any more).
   */
  updateNudge(
    id: string,
    from: readonly NudgeStatus[],
    patch: NudgePatch,
    now: number,
  ): Promise<Nudge | undefined>;
  /** Removes delivered, failed and cancelled nudges last changed before `before`. */
  purgeNudges(before: number): Promise<number>;

  /**
   * Records how an agent's session ended; one record per (identity, startedAt): the first
   * word on a session stands (false when it was recorded already).
   */
  endSession(ended: EndedSession): Promise<boolean>;
  /** An agent's ended sessions, newest first. */
  listSessions(identity: string, limit?: number): Promise<EndedSession[]>;

  getAgent(identity: string): Promise<AgentRecord | undefined>;
  /** Creates the agent's record if needed and sets only the fields in `patch`. */
  patchAgent(identity: string, patch: AgentPatch): Promise<AgentRecord>;
  listAgents(): Promise<AgentRecord[]>;

  /**
   * Optional push wake-ups, for stores shared between processes that cannot poke each other
   * (PostgreSQL: LISTEN/NOTIFY). `onWake` runs when mail arrives on `channel`, and again after
   * a lost connection comes back (anything sent meanwhile was missed); `onError` hears of the
   * losses. The heartbeat stays the fallback. Rejects only if the first connection fails.
   */
  subscribe?(
    channel: WakeChannel,
    onWake: () => void,
    onError?: (err: Error) => void,
  ): Promise<Unsubscribe>;

  close(): Promise<void>;
}
