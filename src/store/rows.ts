// Database rows to the Store's records, for every backend: SQLite gives booleans as 0/1
// and JSON as text; PostgreSQL gives BOOLEAN, BIGINT as a number (the pool's type parsers)
// and JSONB parsed.
import type {
  AgentPatch,
  AgentRecord,
  EndedSession,
  Message,
  MessageStatus,
  NewMessage,
  NewNotification,
  Notification,
  NotificationResult,
  NotificationStatus,
  Nudge,
  NudgePatch,
  NudgeStatus,
  SessionEnding,
  SessionMode,
  StoredEvent,
} from './store.js';
import { newMessageId } from './ids.js';

export type Row = Record<string, unknown>;

/** The columns a new message starts with (the schema's defaults). */
export const NEW_MESSAGE_STATE = {
  read: false,
  status: 'open',
  claimOwner: null,
  leaseExpiresAt: null,
  attempts: 0,
  nextAttemptAt: 0,
  lastError: null,
  outcome: null,
  outcomeReason: null,
  closedAt: null,
  firstClaimedAt: null,
} as const;

const text = (value: unknown): string | null => (value as string | null | undefined) ?? null;
const num = (value: unknown): number | null => (value as number | null | undefined) ?? null;
const bool = (value: unknown): boolean => value === true || value === 1;
const json = <T>(value: unknown): T | null =>
  value === null || value === undefined
    ? null
    : typeof value === 'string'
      ? (JSON.parse(value) as T)
      : (value as T);

/** A new message's fields, in the insert statements' column order (both backends). */
export function newMessageRow(msg: NewMessage, now: number) {
  const createdAt = msg.createdAt ?? now;
  return {
    id: newMessageId(createdAt),
    from: msg.from,
    to: msg.to,
    subject: msg.subject,
    body: msg.body,
    priority: msg.priority,
    type: msg.type,
    threadId: msg.threadId ?? null,
    replyTo: msg.replyTo ?? null,
    createdAt,
  };
}

export function toMessage(row: Row): Message {
  return {
    id: row.id as string,
    seq: row.seq as number,
    from: row.from_addr as string,
    to: row.to_addr as string,
    subject: row.subject as string,
    body: row.body as string,
    priority: row.priority as Message['priority'],
    type: row.type as string,
    threadId: text(row.thread_id),
    replyTo: text(row.reply_to),
    createdAt: row.created_at as number,
    read: bool(row.read),
    senderVerified: bool(row.sender_verified),
    status: row.status as MessageStatus,
    claimOwner: text(row.claim_owner),
    leaseExpiresAt: num(row.lease_expires_at),
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number,
    lastError: text(row.last_error),
    outcome: text(row.outcome),
    outcomeReason: text(row.outcome_reason),
    closedAt: num(row.closed_at),
    firstClaimedAt: num(row.first_claimed_at),
  };
}

export function toEvent(row: Row): StoredEvent {
  return {
    seq: row.seq as number,
    ts: row.ts as number,
    kind: row.kind as string,
    identity: text(row.identity),
    messageId: text(row.message_id),
    requestId: text(row.request_id),
    action: text(row.action),
    outcome: text(row.outcome),
    reason: text(row.reason),
    durationMs: num(row.duration_ms),
    data: json<Record<string, unknown>>(row.data),
  };
}

export function toNudge(row: Row): Nudge {
  return {
    id: row.id as string,
    seq: row.seq as number,
    to: row.to_addr as string,
    from: row.from_addr as string,
    text: row.text as string,
    createdAt: row.created_at as number,
    status: row.status as NudgeStatus,
    attempts: row.attempts as number,
    session: text(row.session),
    typedAt: num(row.typed_at),
    seenAt: num(row.seen_at),
    deliveredAt: num(row.delivered_at),
    ack: text(row.ack),
    error: text(row.error),
    updatedAt: row.updated_at as number,
  };
}

export function toEndedSession(row: Row): EndedSession {
  return {
    identity: row.identity as string,
    startedAt: row.started_at as number,
    endedAt: row.ended_at as number,
    ending: row.ending as SessionEnding,
    detail: text(row.detail),
    runtime: text(row.runtime),
    mode: text(row.mode) as SessionMode | null,
    conversationId: text(row.conversation_id),
    transcriptPath: text(row.transcript_path),
  };
}

/** An ended session's values, in the insert statements' column order (both backends). */
export function endedSessionValues(s: EndedSession): unknown[] {
  return [
    s.identity,
    s.startedAt,
    s.endedAt,
    s.ending,
    s.detail,
    s.runtime,
    s.mode,
    s.conversationId,
    s.transcriptPath,
  ];
}

export function toNotification(row: Row): Notification {
  return {
    id: row.id as string,
    seq: row.seq as number,
    eventSeq: num(row.event_seq),
    channel: row.channel as string,
    kind: row.kind as string,
    identity: text(row.identity),
    title: row.title as string,
    text: row.text as string,
    createdAt: row.created_at as number,
    status: row.status as NotificationStatus,
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number,
    lastError: text(row.last_error),
    deliveredAt: num(row.delivered_at),
    phase: (row.phase as number | undefined) ?? 0,
    repeats: (row.repeats as number | undefined) ?? 1,
  };
}

/** A notification's columns for the insert statements (both backends), folding aside. */
export function notificationRow(n: NewNotification, id: string) {
  return {
    id,
    channel: n.channel,
    kind: n.kind,
    identity: n.identity,
    title: n.title,
    text: n.text,
    foldKey: n.fold?.key ?? null,
    windowStart: n.fold?.windowStart ?? null,
    windowEnd: n.fold === undefined ? null : n.fold.windowStart + n.fold.windowMs,
  };
}

/** A notification's status, error and delivery time after an attempt's result. */
export function settledNotification(
  result: NotificationResult,
  now: number,
): {
  status: NotificationStatus;
  error: string | null;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  /** Attempts to take back: a deferred one was never tried. */
  undo: number;
} {
  const none = { nextAttemptAt: null, deliveredAt: null, undo: 0 };
  switch (result.kind) {
    case 'delivered':
      return { ...none, status: 'delivered', error: null, deliveredAt: now };
    case 'retry':
      return {
        ...none,
        status: 'pending',
        error: result.error,
        nextAttemptAt: result.nextAttemptAt,
      };
    case 'defer':
      return {
        ...none,
        status: 'pending',
        error: null,
        nextAttemptAt: result.nextAttemptAt,
        undo: 1,
      };
    case 'dead':
      return { ...none, status: 'dead', error: result.error };
  }
}

/** Nudge fields a patch may set, and their columns. */
export const NUDGE_FIELDS = {
  status: 'status',
  attempts: 'attempts',
  session: 'session',
  typedAt: 'typed_at',
  seenAt: 'seen_at',
  deliveredAt: 'delivered_at',
  ack: 'ack',
  error: 'error',
} as const satisfies Record<keyof NudgePatch, string>;

/** How an agent field is kept: its column, its SQL type, and its value when never set. */
export interface AgentColumn {
  field: keyof AgentPatch;
  column: string;
  sql: 'text' | 'bigint' | 'boolean' | 'jsonb';
  /** The column's default as SQL (NOT NULL columns); others default to NULL. */
  fallback?: string;
}

/** Every agent field, in column order: the one list both backends build their SQL from. */
export const AGENT_COLUMNS: readonly AgentColumn[] = [
  { field: 'host', column: 'host', sql: 'text' },
  { field: 'session', column: 'session', sql: 'text' },
  { field: 'tokenHash', column: 'token_hash', sql: 'text' },
  { field: 'startedAt', column: 'started_at', sql: 'bigint' },
  { field: 'requestMessageId', column: 'request_message_id', sql: 'text' },
  { field: 'sessionConfirmed', column: 'session_confirmed', sql: 'boolean', fallback: 'false' },
  { field: 'desired', column: 'desired', sql: 'text', fallback: "'running'" },
  { field: 'restarts', column: 'restarts', sql: 'jsonb', fallback: "'[]'" },
  { field: 'nextRestartAt', column: 'next_restart_at', sql: 'bigint' },
  { field: 'parkedAt', column: 'parked_at', sql: 'bigint' },
  { field: 'parkedReason', column: 'parked_reason', sql: 'text' },
  { field: 'lastExit', column: 'last_exit', sql: 'text' },
  { field: 'lastExitAt', column: 'last_exit_at', sql: 'bigint' },
  { field: 'runtime', column: 'runtime', sql: 'text' },
  { field: 'activity', column: 'activity', sql: 'text' },
  { field: 'activitySince', column: 'activity_since', sql: 'bigint' },
  { field: 'activitySource', column: 'activity_source', sql: 'text' },
  { field: 'activityDetail', column: 'activity_detail', sql: 'text' },
  { field: 'blockedNotifiedAt', column: 'blocked_notified_at', sql: 'bigint' },
  { field: 'failureKind', column: 'failure_kind', sql: 'text' },
  { field: 'failureSince', column: 'failure_since', sql: 'bigint' },
  { field: 'failureDetail', column: 'failure_detail', sql: 'text' },
  { field: 'failureUntil', column: 'failure_until', sql: 'bigint' },
  { field: 'failureCount', column: 'failure_count', sql: 'bigint' },
  { field: 'failureNotifiedAt', column: 'failure_notified_at', sql: 'bigint' },
  { field: 'conversationId', column: 'conversation_id', sql: 'text' },
  { field: 'transcriptPath', column: 'transcript_path', sql: 'text' },
  { field: 'sessionMode', column: 'session_mode', sql: 'text' },
  { field: 'budgetClearedAt', column: 'budget_cleared_at', sql: 'bigint' },
];

/** Agent fields and their columns; a patch may set only these. */
export const AGENT_FIELDS = Object.fromEntries(
  AGENT_COLUMNS.map((c) => [c.field, c.column]),
) as Record<keyof AgentPatch, string>;

function fieldValue(sql: AgentColumn['sql'], value: unknown): unknown {
  switch (sql) {
    case 'text':
      return text(value);
    case 'bigint':
      return num(value);
    case 'boolean':
      return bool(value);
    case 'jsonb':
      return json(value);
  }
}

export function toAgent(row: Row): AgentRecord {
  const record: Record<string, unknown> = {
    identity: row.identity,
    updatedAt: row.updated_at,
  };
  for (const c of AGENT_COLUMNS) record[c.field] = fieldValue(c.sql, row[c.column]);
  record.restarts ??= [];
  record.desired ??= 'running';
  return record as unknown as AgentRecord;
}
