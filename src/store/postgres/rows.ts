// PostgreSQL rows to the Store's records. BIGINT arrives as a number (see the pool's type
// parsers), BOOLEAN as a boolean and JSONB parsed.
import type { AgentPatch, AgentRecord, Message, MessageStatus, StoredEvent } from '../store.js';

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
    read: row.read === true,
    senderVerified: row.sender_verified === true,
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
    data: (row.data as Record<string, unknown> | null | undefined) ?? null,
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
    sessionConfirmed: row.session_confirmed === true,
    desired: row.desired as AgentRecord['desired'],
    restarts: row.restarts as number[],
    nextRestartAt: num(row.next_restart_at),
    parkedAt: num(row.parked_at),
    parkedReason: text(row.parked_reason),
    lastExit: text(row.last_exit),
    lastExitAt: num(row.last_exit_at),
    updatedAt: row.updated_at as number,
  };
}
