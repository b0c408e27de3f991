// Numbered migrations of the SQLite store. The version lives in PRAGMA user_version;
// a database newer than the last migration here is refused.

export const MIGRATIONS: readonly string[] = [
  // 1: mail with its processing state, events, agents
  `
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    from_addr TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    type TEXT NOT NULL,
    thread_id TEXT,
    reply_to TEXT,
    created_at INTEGER NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    sender_verified INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'done', 'dead')),
    claim_owner TEXT,
    claim_host TEXT,
    lease_expires_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    outcome TEXT,
    closed_at INTEGER,
    first_claimed_at INTEGER
  );
  CREATE INDEX messages_inbox ON messages (to_addr, seq);
  CREATE INDEX messages_due ON messages (to_addr, status, next_attempt_at)
    WHERE status IN ('open', 'claimed');

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    identity TEXT,
    message_id TEXT,
    request_id TEXT,
    action TEXT,
    outcome TEXT,
    reason TEXT,
    duration_ms INTEGER,
    data TEXT
  );
  CREATE INDEX events_ts ON events (ts);

  CREATE TABLE agents (
    identity TEXT PRIMARY KEY,
    host TEXT,
    session TEXT,
    token_hash TEXT,
    started_at INTEGER,
    request_id TEXT,
    session_confirmed INTEGER NOT NULL DEFAULT 0,
    desired TEXT NOT NULL DEFAULT 'running' CHECK (desired IN ('running', 'stopped')),
    restarts TEXT NOT NULL DEFAULT '[]',
    next_restart_at INTEGER,
    parked_at INTEGER,
    parked_reason TEXT,
    last_exit TEXT,
    last_exit_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  `,
  // 2: threads are looked up by id; mail to the deacon that was not a request is plain open
  // mail again (never claimed); settled requests are read (closed mail never counts as new)
  `
  CREATE INDEX messages_thread ON messages (thread_id) WHERE thread_id IS NOT NULL;
  UPDATE messages SET status = 'open', closed_at = NULL, next_attempt_at = 9007199254740991
    WHERE status = 'done' AND outcome LIKE 'ignored%';
  UPDATE messages SET read = 1 WHERE status IN ('done', 'dead');
  `,
  // 3: an agent's runtime and activity; prompts queued for agents (gt nudge)
  `
  ALTER TABLE agents ADD COLUMN runtime TEXT;
  ALTER TABLE agents ADD COLUMN activity TEXT;
  ALTER TABLE agents ADD COLUMN activity_since INTEGER;
  ALTER TABLE agents ADD COLUMN activity_source TEXT;
  ALTER TABLE agents ADD COLUMN activity_detail TEXT;
  ALTER TABLE agents ADD COLUMN blocked_notified_at INTEGER;
  CREATE TABLE nudges (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    from_addr TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
      CHECK (status IN ('queued', 'typed', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    session TEXT,
    typed_at INTEGER,
    delivered_at INTEGER,
    ack TEXT,
    error TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX nudges_pending ON nudges (to_addr, seq) WHERE status IN ('queued', 'typed');
  `,
  // 4: why an agent is not doing its work, and until when nothing is done about it
  `
  ALTER TABLE agents ADD COLUMN failure_kind TEXT;
  ALTER TABLE agents ADD COLUMN failure_since INTEGER;
  ALTER TABLE agents ADD COLUMN failure_detail TEXT;
  ALTER TABLE agents ADD COLUMN failure_until INTEGER;
  ALTER TABLE agents ADD COLUMN failure_count INTEGER;
  ALTER TABLE agents ADD COLUMN failure_notified_at INTEGER;
  `,
  // 5: a prompt claimed for typing (the paste may be under way) apart from one seen in the
  // agent's input, so a daemon that dies between claim and paste never leaves it acknowledged
  `
  CREATE TABLE nudges_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    from_addr TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
      CHECK (status IN ('queued', 'typing', 'typed', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    session TEXT,
    typed_at INTEGER,
    seen_at INTEGER,
    delivered_at INTEGER,
    ack TEXT,
    error TEXT,
    updated_at INTEGER NOT NULL
  );
  INSERT INTO nudges_new (seq, id, to_addr, from_addr, text, created_at, status, attempts,
      session, typed_at, seen_at, delivered_at, ack, error, updated_at)
    SELECT seq, id, to_addr, from_addr, text, created_at, status, attempts, session, typed_at,
      CASE WHEN status = 'typed' THEN typed_at END, delivered_at, ack, error, updated_at
    FROM nudges;
  DROP TABLE nudges;
  ALTER TABLE nudges_new RENAME TO nudges;
  CREATE INDEX nudges_pending ON nudges (to_addr, seq)
    WHERE status IN ('queued', 'typing', 'typed');
  `,
  // 6: an agent's record names the request message its start or stop carried out as such, apart
  // from the agent's own request id (which events carry)
  `
  ALTER TABLE agents RENAME COLUMN request_id TO request_message_id;
  `,
  // 7: how a request ended and why, apart (written as "word: reason" before)
  `
  ALTER TABLE messages ADD COLUMN outcome_reason TEXT;
  UPDATE messages SET outcome_reason = substr(outcome, instr(outcome, ': ') + 2),
      outcome = substr(outcome, 1, instr(outcome, ': ') - 1)
    WHERE instr(outcome, ': ') > 0;
  `,
  // 8: what conversation each agent session holds, how it began, and how each one ended
  `
  ALTER TABLE agents ADD COLUMN conversation_id TEXT;
  ALTER TABLE agents ADD COLUMN transcript_path TEXT;
  ALTER TABLE agents ADD COLUMN session_mode TEXT;
  CREATE TABLE agent_sessions (
    identity TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    ending TEXT NOT NULL,
    detail TEXT,
    runtime TEXT,
    mode TEXT,
    conversation_id TEXT,
    transcript_path TEXT,
    PRIMARY KEY (identity, started_at)
  );
  `,
  // 9: the notification outbox, written with the event that causes each
  `
  CREATE TABLE notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event_seq INTEGER,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    identity TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    delivered_at INTEGER,
    fold_key TEXT,
    window_start INTEGER,
    phase INTEGER NOT NULL DEFAULT 0,
    repeats INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
  CREATE UNIQUE INDEX notifications_fold ON notifications (fold_key, window_start, phase);
  `,
  // 10: what agents spend, read from their runtimes' own records, and how far each was read
  `
  CREATE TABLE agent_usage (
    key TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    at INTEGER NOT NULL,
    runtime TEXT NOT NULL,
    model TEXT NOT NULL,
    conversation_id TEXT,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL
  );
  CREATE INDEX agent_usage_at ON agent_usage (at);
  CREATE INDEX agent_usage_identity ON agent_usage (identity, at);
  CREATE TABLE usage_cursors (
    path TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    runtime TEXT NOT NULL,
    conversation_id TEXT,
    read_to INTEGER NOT NULL,
    state TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX usage_cursors_updated ON usage_cursors (updated_at);
  ALTER TABLE agents ADD COLUMN budget_cleared_at INTEGER;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
