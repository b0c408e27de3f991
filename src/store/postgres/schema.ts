// Numbered migrations of the PostgreSQL store. Applied versions are rows of gt_migrations;
// a database whose highest version is newer than the last migration here is refused.

/** The channel new mail to the deacon is announced on; the payload is the table's schema. */
export const DEACON_CHANNEL = 'gt_deacon';

export const MIGRATIONS: readonly string[] = [
  // 1: mail with its processing state, events, agents; NOTIFY on mail to the deacon
  `
  CREATE TABLE messages (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "C" collation: ids are time-ordered in byte order, which purging relies on.
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    from_addr TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    type TEXT NOT NULL,
    thread_id TEXT,
    reply_to TEXT,
    created_at BIGINT NOT NULL,
    read BOOLEAN NOT NULL DEFAULT false,
    sender_verified BOOLEAN NOT NULL DEFAULT false,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'done', 'dead')),
    claim_owner TEXT,
    claim_host TEXT,
    lease_expires_at BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    outcome TEXT,
    closed_at BIGINT,
    first_claimed_at BIGINT
  );
  CREATE INDEX messages_inbox ON messages (to_addr, seq);
  CREATE INDEX messages_due ON messages (to_addr, status, next_attempt_at)
    WHERE status IN ('open', 'claimed');

  CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts BIGINT NOT NULL,
    kind TEXT NOT NULL,
    identity TEXT,
    message_id TEXT,
    request_id TEXT,
    action TEXT,
    outcome TEXT,
    reason TEXT,
    duration_ms BIGINT,
    data JSONB
  );
  CREATE INDEX events_ts ON events (ts);

  CREATE TABLE agents (
    identity TEXT PRIMARY KEY,
    host TEXT,
    session TEXT,
    token_hash TEXT,
    started_at BIGINT,
    request_id TEXT,
    session_confirmed BOOLEAN NOT NULL DEFAULT false,
    desired TEXT NOT NULL DEFAULT 'running' CHECK (desired IN ('running', 'stopped')),
    restarts JSONB NOT NULL DEFAULT '[]',
    next_restart_at BIGINT,
    parked_at BIGINT,
    parked_reason TEXT,
    last_exit TEXT,
    last_exit_at BIGINT,
    updated_at BIGINT NOT NULL
  );

  -- Daemons on every host LISTEN; the notification is sent when the inserting transaction commits.
  CREATE FUNCTION gt_notify_deacon() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM pg_notify('${DEACON_CHANNEL}', TG_TABLE_SCHEMA);
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER messages_notify_deacon AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.to_addr = 'deacon') EXECUTE FUNCTION gt_notify_deacon();
  `,
  // 2: threads are looked up by id; mail to the deacon that was not a request is plain open
  // mail again (never claimed); settled requests are read (closed mail never counts as new)
  `
  CREATE INDEX messages_thread ON messages (thread_id) WHERE thread_id IS NOT NULL;
  UPDATE messages SET status = 'open', closed_at = NULL, next_attempt_at = 9007199254740991
    WHERE status = 'done' AND outcome LIKE 'ignored%';
  UPDATE messages SET read = true WHERE status IN ('done', 'dead');
  `,
  // 3: an agent's runtime and activity; prompts queued for agents (gt nudge)
  `
  ALTER TABLE agents ADD COLUMN runtime TEXT;
  ALTER TABLE agents ADD COLUMN activity TEXT;
  ALTER TABLE agents ADD COLUMN activity_since BIGINT;
  ALTER TABLE agents ADD COLUMN activity_source TEXT;
  ALTER TABLE agents ADD COLUMN activity_detail TEXT;
  ALTER TABLE agents ADD COLUMN blocked_notified_at BIGINT;
  CREATE TABLE nudges (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    from_addr TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
      CHECK (status IN ('queued', 'typed', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    session TEXT,
    typed_at BIGINT,
    delivered_at BIGINT,
    ack TEXT,
    error TEXT,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX nudges_pending ON nudges (to_addr, seq) WHERE status IN ('queued', 'typed');
  `,
  // 4: why an agent is not doing its work, and until when nothing is done about it
  `
  ALTER TABLE agents ADD COLUMN failure_kind TEXT;
  ALTER TABLE agents ADD COLUMN failure_since BIGINT;
  ALTER TABLE agents ADD COLUMN failure_detail TEXT;
  ALTER TABLE agents ADD COLUMN failure_until BIGINT;
  ALTER TABLE agents ADD COLUMN failure_count BIGINT;
  ALTER TABLE agents ADD COLUMN failure_notified_at BIGINT;
  `,
  // 5: a prompt claimed for typing (the paste may be under way) apart from one seen in the
  // agent's input, so a daemon that dies between claim and paste never leaves it acknowledged
  `
  ALTER TABLE nudges DROP CONSTRAINT nudges_status_check;
  ALTER TABLE nudges ADD CONSTRAINT nudges_status_check
    CHECK (status IN ('queued', 'typing', 'typed', 'delivered', 'failed', 'cancelled'));
  ALTER TABLE nudges ADD COLUMN seen_at BIGINT;
  UPDATE nudges SET seen_at = typed_at WHERE status = 'typed';
  DROP INDEX nudges_pending;
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
  UPDATE messages SET outcome_reason = substr(outcome, position(': ' in outcome) + 2),
      outcome = substr(outcome, 1, position(': ' in outcome) - 1)
    WHERE position(': ' in outcome) > 0;
  `,
  // 8: what conversation each agent session holds, how it began, and how each one ended
  `
  ALTER TABLE agents ADD COLUMN conversation_id TEXT;
  ALTER TABLE agents ADD COLUMN transcript_path TEXT;
  ALTER TABLE agents ADD COLUMN session_mode TEXT;
  CREATE TABLE agent_sessions (
    identity TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
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
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    event_seq BIGINT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    identity TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    delivered_at BIGINT,
    fold_key TEXT,
    window_start BIGINT,
    phase INTEGER NOT NULL DEFAULT 0,
    repeats INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
  CREATE UNIQUE INDEX notifications_fold ON notifications (fold_key, window_start, phase);
  `,
  // 10: what agents spend, read from their runtimes' own records, and how far each was read
  `
  CREATE TABLE agent_usage (
    key TEXT COLLATE "C" PRIMARY KEY,
    identity TEXT NOT NULL,
    at BIGINT NOT NULL,
    runtime TEXT NOT NULL,
    model TEXT NOT NULL,
    conversation_id TEXT,
    input BIGINT NOT NULL,
    output BIGINT NOT NULL,
    cache_read BIGINT NOT NULL,
    cache_write BIGINT NOT NULL
  );
  CREATE INDEX agent_usage_at ON agent_usage (at);
  CREATE INDEX agent_usage_identity ON agent_usage (identity, at);
  CREATE TABLE usage_cursors (
    path TEXT COLLATE "C" PRIMARY KEY,
    identity TEXT NOT NULL,
    runtime TEXT NOT NULL,
    conversation_id TEXT,
    read_to BIGINT NOT NULL,
    state TEXT,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX usage_cursors_updated ON usage_cursors (updated_at);
  ALTER TABLE agents ADD COLUMN budget_cleared_at BIGINT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Run before the migrations, in the same transaction; idempotent. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS gt_migrations (
  version INTEGER PRIMARY KEY,
  applied_at BIGINT NOT NULL
)`;
