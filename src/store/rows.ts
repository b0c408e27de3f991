// Database rows to the Store's records, for every backend: SQLite gives booleans as 0/1
// and JSON as text; PostgreSQL gives BOOLEAN, BIGINT as a number (the pool's type parsers)
// and JSONB parsed.
import type { AgentPatch, AgentRecord, Message, MessageStatus, StoredEvent } from './store.js';

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

/** Agent fields and their columns; a patch may set only these. */
export const AGENT_FIELDS = {
  host: 'host',
  session: 'session',
  tokenHash: 'token_hash',
  startedAt: 'started_at',
  requestId: 'request_id',
  sessionConfirmed: 'session_confirmed',
  desired: 'desired',
  restarts: 'restarts',
  nextRestartAt: 'next_restart_at',
  parkedAt: 'parked_at',
  parkedReason: 'parked_reason',
  lastExit: 'last_exit',
  lastExitAt: 'last_exit_at',
} as const satisfies Record<keyof AgentPatch, string>;

export function toAgent(row: Row): AgentRecord {
  return {
    identity: row.identity as string,
    host: text(row.host),
    session: text(row.session),
    tokenHash: text(row.token_hash),
    startedAt: num(row.started_at),
    requestId: text(row.request_id),
    sessionConfirmed: bool(row.session_confirmed),
    desired: row.desired as AgentRecord['desired'],
    restarts: json<number[]>(row.restarts) ?? [],
    nextRestartAt: num(row.next_restart_at),
    parkedAt: num(row.parked_at),
    parkedReason: text(row.parked_reason),
    lastExit: text(row.last_exit),
    lastExitAt: num(row.last_exit_at),
    updatedAt: row.updated_at as number,
  };
}
