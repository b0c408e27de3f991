// Every SQL statement of the SQLite store, by name; sqlite-store.ts prepares each on first use.
import { SUM_COLUMNS } from '../usage.js';

/** The sender's agent record names another host than @host: that host's daemon acts for it. */
const OTHER_HOST_AGENT = `SELECT 1 FROM agents WHERE agents.identity = messages.from_addr
  AND agents.host IS NOT NULL AND agents.host <> @host`;

export const STATEMENTS = {
  insertMessage: `INSERT INTO messages (id, from_addr, to_addr, subject, body, priority, type, thread_id,
      reply_to, created_at, sender_verified)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  getMessage: `SELECT * FROM messages WHERE id = ?`,
  // Closed mail (settled requests, archived messages) is listed only when asked for.
  inbox: `SELECT * FROM messages WHERE to_addr = @to
      AND (@all = 1 OR status NOT IN ('done', 'dead')) AND (@unread = 0 OR read = 0)
    ORDER BY seq DESC LIMIT @limit`,
  thread: `SELECT * FROM messages WHERE thread_id = ? ORDER BY seq`,
  closeMessage: `UPDATE messages SET status = 'done', outcome = @outcome, outcome_reason = NULL,
    closed_at = @now, read = 1
    WHERE id = @id AND status = 'open'`,
  countUnread: `SELECT count(*) AS n FROM messages WHERE to_addr = ? AND read = 0`,
  markRead: `UPDATE messages SET read = ? WHERE id = ?`,
  deleteMessage: `DELETE FROM messages WHERE id = ?`,
  // Ids are time-ordered, so the id index finds old mail without an index of its own.
  // Settled requests are kept for the retention after they settle, not after they were sent,
  // so an old request dead-lettered today still shows in gt status.
  purge: `DELETE FROM messages WHERE id < @cutoffId AND created_at < @before AND (
    (status IN ('done', 'dead') AND closed_at < @before)
    OR (read = 1 AND status = 'open' AND (to_addr <> 'deacon' OR next_attempt_at = @never)))`,
  claim: `UPDATE messages
    SET status = 'claimed', claim_owner = @owner, claim_host = @host,
        lease_expires_at = @leaseUntil, attempts = attempts + 1,
        first_claimed_at = coalesce(first_claimed_at, @now)
    WHERE seq IN (
      -- Only the partial index of due requests, so a long history of settled mail costs nothing;
      -- INDEXED BY makes a plan that loses the index fail loudly instead of scanning.
      SELECT seq FROM (
        SELECT seq FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'open' AND next_attempt_at <= @now
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT}))
        UNION ALL
        SELECT seq FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'claimed'
          AND (lease_expires_at <= @now OR (@takeOver = 1 AND claim_host = @host AND claim_owner <> @owner))
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT})))
      ORDER BY seq LIMIT @limit)
    RETURNING *`,
  // A settled request is closed: read, so nothing that reads the inbox takes it as pending.
  settleDone: `UPDATE messages SET status = 'done', outcome = @outcome, outcome_reason = @reason,
      closed_at = @now, read = 1,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  settleDead: `UPDATE messages SET status = 'dead', last_error = @error, outcome = 'dead-letter',
      outcome_reason = NULL, closed_at = @now,
      read = 1, claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  settleMail: `UPDATE messages SET status = 'open', outcome = @outcome, outcome_reason = @reason,
      next_attempt_at = @never,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  settleRetry: `UPDATE messages SET status = 'open', last_error = @error, next_attempt_at = @nextAttemptAt,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = @id AND status = 'claimed' AND claim_owner = @owner`,
  release: `UPDATE messages SET status = 'open', attempts = max(attempts - 1, 0), claim_owner = NULL,
      lease_expires_at = NULL WHERE status = 'claimed' AND claim_owner = ?`,
  // Plain mail left in the deacon's inbox (never to be claimed) is no request: not counted.
  countByStatus: `SELECT status, count(*) AS n FROM messages
    WHERE to_addr = @to AND next_attempt_at <> @never GROUP BY status`,
  nextDue: `SELECT min(t) AS t FROM (
      SELECT min(next_attempt_at) AS t FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'open'
          AND next_attempt_at < @never AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT}))
      UNION ALL SELECT min(lease_expires_at) FROM messages INDEXED BY messages_due
        WHERE to_addr = @to AND status IN ('open', 'claimed') AND status = 'claimed'
          AND (@ownHost = 0 OR NOT EXISTS (${OTHER_HOST_AGENT})))`,
  listByStatus: `SELECT * FROM messages WHERE to_addr = ? AND status = ? ORDER BY seq LIMIT ?`,
  insertEvent: `INSERT INTO events (ts, kind, identity, message_id, request_id, action, outcome, reason,
      duration_ms, data)
    VALUES (@ts, @kind, @identity, @messageId, @requestId, @action, @outcome, @reason, @durationMs, @data)
    RETURNING *`,
  listEvents: `SELECT * FROM events WHERE ts >= @sinceTs AND seq > @afterSeq
    AND (@identity IS NULL OR identity = @identity) ORDER BY seq LIMIT @limit`,
  listEventsNewest: `SELECT * FROM (SELECT * FROM events WHERE ts >= @sinceTs AND seq > @afterSeq
    AND (@identity IS NULL OR identity = @identity) ORDER BY seq DESC LIMIT @limit) ORDER BY seq`,
  purgeEvents: `DELETE FROM events WHERE ts < @before`,
  getAgent: `SELECT * FROM agents WHERE identity = ?`,
  ensureAgent: `INSERT INTO agents (identity, updated_at) VALUES (?, ?) ON CONFLICT (identity) DO NOTHING`,
  listAgents: `SELECT * FROM agents ORDER BY identity`,
  insertEndedSession: `INSERT INTO agent_sessions (identity, started_at, ended_at, ending, detail,
      runtime, mode, conversation_id, transcript_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (identity, started_at) DO NOTHING`,
  listSessions: `SELECT * FROM agent_sessions WHERE identity = ? ORDER BY started_at DESC LIMIT ?`,
  insertNotification: `INSERT INTO notifications (id, event_seq, channel, kind, identity, title,
      text, created_at, next_attempt_at, fold_key, window_start)
    VALUES (@id, @eventSeq, @channel, @kind, @identity, @title, @text, @createdAt, @createdAt,
      @foldKey, @windowStart)
    ON CONFLICT (fold_key, window_start, phase) DO NOTHING`,
  insertFoldedNotification: `INSERT INTO notifications (id, event_seq, channel, kind, identity,
      title, text, created_at, next_attempt_at, fold_key, window_start, phase)
    VALUES (@id, @eventSeq, @channel, @kind, @identity, @title, @text, @createdAt, @windowEnd,
      @foldKey, @windowStart, 1)
    ON CONFLICT (fold_key, window_start, phase) DO UPDATE SET repeats = repeats + 1`,
  claimNotifications: `UPDATE notifications SET attempts = attempts + 1, next_attempt_at = @until
    WHERE seq IN (SELECT seq FROM notifications WHERE status = 'pending' AND next_attempt_at <= @now
      ORDER BY seq LIMIT @limit)
    RETURNING *`,
  settleNotification: `UPDATE notifications SET status = @status,
      last_error = CASE WHEN @undo > 0 THEN last_error ELSE @error END,
      next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at), delivered_at = @deliveredAt,
      attempts = attempts - @undo
    WHERE id = @id AND status = 'pending'`,
  listNotifications: `SELECT * FROM (SELECT * FROM notifications
      WHERE (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
      ORDER BY seq DESC LIMIT @limit) ORDER BY seq`,
  insertUsage: `INSERT INTO agent_usage (key, identity, at, runtime, model, conversation_id,
      input, output, cache_read, cache_write) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (key) DO NOTHING`,
  upsertUsageCursor: `INSERT INTO usage_cursors (path, identity, runtime, conversation_id, read_to,
      state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (path) DO UPDATE SET identity = excluded.identity, runtime = excluded.runtime,
      conversation_id = excluded.conversation_id, read_to = excluded.read_to,
      state = excluded.state, updated_at = excluded.updated_at`,
  getUsageCursor: `SELECT * FROM usage_cursors WHERE path = ?`,
  listUsageCursors: `SELECT * FROM usage_cursors WHERE updated_at >= ? ORDER BY path`,
  sumUsage: `SELECT ${SUM_COLUMNS} FROM agent_usage
    WHERE at >= @since AND at < @until AND (@identity IS NULL OR identity = @identity)
    GROUP BY identity, model ORDER BY identity, model`,
  insertNudge: `INSERT INTO nudges (id, to_addr, from_addr, text, created_at, updated_at)
    VALUES (@id, @to, @from, @text, @createdAt, @createdAt) RETURNING *`,
  getNudge: `SELECT * FROM nudges WHERE id = ?`,
  listNudges: `SELECT * FROM nudges WHERE (@to IS NULL OR to_addr = @to)
      AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
    ORDER BY seq LIMIT @limit`,
  // The partial index's own condition, word for word, and the index named: left to choose,
  // SQLite scans the whole table in seq order rather than sort the few it would find.
  listPendingNudges: `SELECT * FROM nudges INDEXED BY nudges_pending
    WHERE status IN ('queued', 'typing', 'typed')
      AND (@to IS NULL OR to_addr = @to)
      AND status IN (SELECT value FROM json_each(@statuses))
    ORDER BY seq LIMIT @limit`,
  purgeNudges: `DELETE FROM nudges WHERE status IN ('delivered', 'failed', 'cancelled')
    AND updated_at < @before`,
} as const;

export type StatementName = keyof typeof STATEMENTS;
