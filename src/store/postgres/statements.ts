// Every SQL statement of the PostgreSQL backend, by name (the DDL of each schema version is
// in schema.ts). Named statements are prepared once per connection by node-postgres.
import { SUM_COLUMNS } from '../usage.js';
import type { AgentColumn } from '../rows.js';
import { AGENT_COLUMNS } from '../rows.js';
import { DEACON_CHANNEL, MIGRATIONS_TABLE } from './schema.js';

/** The sender's agent record names another host than $host: that host's daemon acts for it. */
const otherHostAgent = (host: string): string => `SELECT 1 FROM agents a
  WHERE a.identity = m.from_addr AND a.host IS NOT NULL AND a.host <> ${host}`;

/** Due requests of an address: open and due, or claimed with a lease run out (or taken over). */
const DUE = `m.to_addr = $1 AND m.status IN ('open', 'claimed')
    AND ((m.status = 'open' AND m.next_attempt_at <= $4)
      OR (m.status = 'claimed' AND (m.lease_expires_at <= $4
        OR ($7::boolean AND m.claim_host = $3 AND m.claim_owner <> $2))))
    AND NOT ($8::boolean AND EXISTS (${otherHostAgent('$3')}))`;

const MESSAGE_COLUMNS = `seq bigint, id text, from_addr text, to_addr text, subject text, body text,
  priority text, type text, thread_id text, reply_to text, created_at bigint, read boolean,
  sender_verified boolean, status text, claim_owner text, claim_host text, lease_expires_at bigint,
  attempts integer, next_attempt_at bigint, last_error text, outcome text, closed_at bigint,
  first_claimed_at bigint, outcome_reason text`;
const EVENT_COLUMNS = `seq bigint, ts bigint, kind text, identity text, message_id text,
  request_id text, action text, outcome text, reason text, duration_ms bigint, data jsonb`;
/** The agents table's columns with their types, for importing whole rows. */
const AGENT_RECORD_COLUMNS = [
  'identity text',
  ...AGENT_COLUMNS.map((c) => `${c.column} ${c.sql}`),
  'updated_at bigint',
].join(', ');

/** `INSERT … SELECT` of whole rows given as one JSON array (one statement per batch). */
const importRows = (table: string, columns: string, identity: boolean): string => {
  const names = columns
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0])
    .join(', ');
  return `INSERT INTO ${table} (${names}) ${identity ? 'OVERRIDING SYSTEM VALUE ' : ''}
    SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${columns})`;
};

/** Sets a patched column if its key is in the patch ($2), else keeps it. */
const patched = (column: string): string =>
  `${column} = CASE WHEN $2::jsonb ? '${column}' THEN EXCLUDED.${column} ELSE a.${column} END`;

/** A column's value from the patch `p`, or its default when the patch leaves it out. */
function patchValue(c: AgentColumn): string {
  if (c.sql === 'jsonb')
    return `CASE WHEN p ? '${c.column}' THEN p->'${c.column}' ELSE '[]'::jsonb END`;
  const value = `(p->>'${c.column}')${c.sql === 'text' ? '' : `::${c.sql}`}`;
  return c.fallback === undefined
    ? value
    : `CASE WHEN p ? '${c.column}' THEN ${value} ELSE ${c.fallback} END`;
}

/** INSERT … ON CONFLICT DO UPDATE of one agent, built from the shared column list. */
function agentUpsert(): string {
  const columns = AGENT_COLUMNS.map((c) => c.column);
  return `INSERT INTO agents AS a (identity, ${columns.join(', ')}, updated_at)
    SELECT $1, ${AGENT_COLUMNS.map(patchValue).join(',\n      ')}, $3
    FROM (SELECT $2::jsonb AS p) AS patch
    ON CONFLICT (identity) DO UPDATE SET
      ${columns.map(patched).join(',\n      ')},
      updated_at = EXCLUDED.updated_at
    RETURNING *`;
}

export const STATEMENTS = {
  insertMessage: `INSERT INTO messages (id, from_addr, to_addr, subject, body, priority, type,
      thread_id, reply_to, created_at, sender_verified)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq`,
  getMessage: `SELECT * FROM messages WHERE id = $1`,
  // Closed mail (settled requests, archived messages) is listed only when asked for.
  inbox: `SELECT * FROM messages WHERE to_addr = $1
      AND ($3::boolean OR status NOT IN ('done', 'dead')) AND (NOT $4::boolean OR NOT read)
    ORDER BY seq DESC LIMIT $2`,
  thread: `SELECT * FROM messages WHERE thread_id = $1 ORDER BY seq`,
  closeMessage: `UPDATE messages SET status = 'done', outcome = $2, outcome_reason = NULL,
    closed_at = $3, read = true
    WHERE id = $1 AND status = 'open'`,
  countUnread: `SELECT count(*) AS n FROM messages WHERE to_addr = $1 AND NOT read`,
  markRead: `UPDATE messages SET read = $1 WHERE id = $2`,
  deleteMessage: `DELETE FROM messages WHERE id = $1`,
  // Ids are time-ordered, so the id index finds old mail without an index of its own.
  purge: `DELETE FROM messages WHERE id < $1 AND created_at < $2 AND (
    (status IN ('done', 'dead') AND closed_at < $2)
    OR (read AND status = 'open' AND (to_addr <> 'deacon' OR next_attempt_at = $3)))`,
  // SKIP LOCKED: daemons claiming at once each take different rows instead of queueing.
  claim: `UPDATE messages
    SET status = 'claimed', claim_owner = $2, claim_host = $3, lease_expires_at = $5,
        attempts = attempts + 1, first_claimed_at = coalesce(first_claimed_at, $4)
    WHERE seq IN (
      SELECT m.seq FROM messages m WHERE ${DUE}
      ORDER BY m.seq LIMIT $6
      FOR UPDATE OF m SKIP LOCKED)
    RETURNING *`,
  // A settled request is closed: read, so nothing that reads the inbox takes it as pending.
  settleDone: `UPDATE messages SET status = 'done', outcome = $3, outcome_reason = $5,
      closed_at = $4, read = true,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND status = 'claimed' AND claim_owner = $2`,
  settleDead: `UPDATE messages SET status = 'dead', last_error = $3, outcome = 'dead-letter',
      outcome_reason = NULL, read = true,
      closed_at = $4, claim_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND status = 'claimed' AND claim_owner = $2`,
  settleMail: `UPDATE messages SET status = 'open', outcome = $3, outcome_reason = $5,
      next_attempt_at = $4,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND status = 'claimed' AND claim_owner = $2`,
  settleRetry: `UPDATE messages SET status = 'open', last_error = $3, next_attempt_at = $4,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND status = 'claimed' AND claim_owner = $2`,
  release: `UPDATE messages SET status = 'open', attempts = greatest(attempts - 1, 0),
      claim_owner = NULL, lease_expires_at = NULL
    WHERE status = 'claimed' AND claim_owner = $1`,
  // Plain mail left in the deacon's inbox (never to be claimed) is no request: not counted.
  countByStatus: `SELECT status, count(*) AS n FROM messages
    WHERE to_addr = $1 AND next_attempt_at <> $2 GROUP BY status`,
  nextDue: `SELECT least(
      (SELECT min(m.next_attempt_at) FROM messages m
        WHERE m.to_addr = $1 AND m.status IN ('open', 'claimed') AND m.status = 'open'
          AND m.next_attempt_at < $4 AND NOT ($3::boolean AND EXISTS (${otherHostAgent('$2')}))),
      (SELECT min(m.lease_expires_at) FROM messages m
        WHERE m.to_addr = $1 AND m.status IN ('open', 'claimed') AND m.status = 'claimed'
          AND NOT ($3::boolean AND EXISTS (${otherHostAgent('$2')})))) AS t`,
  listByStatus: `SELECT * FROM messages WHERE to_addr = $1 AND status = $2 ORDER BY seq LIMIT $3`,

  insertEvent: `INSERT INTO events (ts, kind, identity, message_id, request_id, action, outcome,
      reason, duration_ms, data)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
  listEvents: `SELECT * FROM events WHERE ts >= $1 AND seq > $2
    AND ($4::text IS NULL OR identity = $4) ORDER BY seq LIMIT $3`,
  listEventsNewest: `SELECT * FROM (SELECT * FROM events WHERE ts >= $1 AND seq > $2
    AND ($4::text IS NULL OR identity = $4) ORDER BY seq DESC LIMIT $3) AS newest ORDER BY seq`,
  purgeEvents: `DELETE FROM events WHERE ts < $1`,

  insertNudge: `INSERT INTO nudges (id, to_addr, from_addr, text, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $5) RETURNING *`,
  getNudge: `SELECT * FROM nudges WHERE id = $1`,
  // The first of each key in its window is inserted; a repeat is folded into the count sent at
  // the window's end (phase 1). Data-modifying parts see one snapshot: \`first\` says which went in.
  insertEventNotifying: `WITH e AS (INSERT INTO events (ts, kind, identity, message_id, request_id,
        action, outcome, reason, duration_ms, data)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *),
    r AS (SELECT * FROM jsonb_to_recordset($11::jsonb) AS r(id text, channel text, kind text,
        identity text, title text, text text, "foldKey" text, "windowStart" bigint,
        "windowEnd" bigint)),
    first AS (INSERT INTO notifications (id, event_seq, channel, kind, identity, title, text,
        created_at, next_attempt_at, fold_key, window_start)
      SELECT r.id, (SELECT seq FROM e), r.channel, r.kind, r.identity, r.title, r.text, $1, $1,
        r."foldKey", r."windowStart" FROM r
      ON CONFLICT (fold_key, window_start, phase) DO NOTHING RETURNING id),
    more AS (INSERT INTO notifications (id, event_seq, channel, kind, identity, title, text,
        created_at, next_attempt_at, fold_key, window_start, phase)
      SELECT r.id, (SELECT seq FROM e), r.channel, r.kind, r.identity, r.title, r.text, $1,
        r."windowEnd", r."foldKey", r."windowStart", 1 FROM r
      WHERE r.id NOT IN (SELECT id FROM first)
      ON CONFLICT (fold_key, window_start, phase)
        DO UPDATE SET repeats = notifications.repeats + 1)
    SELECT * FROM e`,
  claimNotifications: `UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $2
    WHERE seq IN (SELECT seq FROM notifications WHERE status = 'pending' AND next_attempt_at <= $1
      ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING *`,
  settleNotification: `UPDATE notifications SET status = $2,
      last_error = CASE WHEN $6::int > 0 THEN last_error ELSE $3 END,
      next_attempt_at = COALESCE($4, next_attempt_at), delivered_at = $5,
      attempts = attempts - $6::int
    WHERE id = $1 AND status = 'pending'`,
  listNotifications: `SELECT * FROM (SELECT * FROM notifications
      WHERE ($1::text[] IS NULL OR status = ANY($1)) ORDER BY seq DESC LIMIT $2) AS newest
    ORDER BY seq`,
  listNudges: `SELECT * FROM nudges WHERE ($1::text IS NULL OR to_addr = $1)
      AND ($2::text[] IS NULL OR status = ANY($2)) ORDER BY seq LIMIT $3`,
  // Sets exactly the columns whose keys the patch ($3, JSON by column name) holds.
  updateNudge: `UPDATE nudges SET
      status = CASE WHEN $3::jsonb ? 'status' THEN $3->>'status' ELSE status END,
      attempts = CASE WHEN $3::jsonb ? 'attempts' THEN ($3->>'attempts')::int ELSE attempts END,
      session = CASE WHEN $3::jsonb ? 'session' THEN $3->>'session' ELSE session END,
      typed_at = CASE WHEN $3::jsonb ? 'typed_at' THEN ($3->>'typed_at')::bigint ELSE typed_at END,
      seen_at = CASE WHEN $3::jsonb ? 'seen_at' THEN ($3->>'seen_at')::bigint ELSE seen_at END,
      delivered_at = CASE WHEN $3::jsonb ? 'delivered_at' THEN ($3->>'delivered_at')::bigint
        ELSE delivered_at END,
      ack = CASE WHEN $3::jsonb ? 'ack' THEN $3->>'ack' ELSE ack END,
      error = CASE WHEN $3::jsonb ? 'error' THEN $3->>'error' ELSE error END,
      updated_at = $4
    WHERE id = $1 AND status = ANY($2) RETURNING *`,
  purgeNudges: `DELETE FROM nudges WHERE status IN ('delivered', 'failed', 'cancelled')
    AND updated_at < $1`,
  getAgent: `SELECT * FROM agents WHERE identity = $1`,
  // One statement creates the record with the schema's defaults or updates it, setting
  // exactly the columns whose keys the patch ($2, JSON by column name) holds.
  patchAgent: agentUpsert(),
  // "C" collation: the same order as SQLite's, whatever the database's locale.
  listAgents: `SELECT * FROM agents ORDER BY identity COLLATE "C"`,
  insertEndedSession: `INSERT INTO agent_sessions (identity, started_at, ended_at, ending, detail,
      runtime, mode, conversation_id, transcript_path) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (identity, started_at) DO NOTHING`,
  listSessions: `SELECT * FROM agent_sessions WHERE identity = $1
    ORDER BY started_at DESC LIMIT $2`,
  // The entries ($8, a JSON array) and the cursor in one statement: both or neither.
  recordUsage: `WITH cursor AS (
      INSERT INTO usage_cursors (path, identity, runtime, conversation_id, read_to, state, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (path) DO UPDATE SET identity = excluded.identity, runtime = excluded.runtime,
        conversation_id = excluded.conversation_id, read_to = excluded.read_to,
        state = excluded.state, updated_at = excluded.updated_at
      RETURNING 1
    ), added AS (
      INSERT INTO agent_usage (key, identity, at, runtime, model, conversation_id, input, output,
        cache_read, cache_write)
      SELECT key, identity, at, runtime, model, conversation_id, input, output, cache_read,
        cache_write
      FROM jsonb_to_recordset($8::jsonb) AS e(key text, identity text, at bigint, runtime text,
        model text, conversation_id text, input bigint, output bigint, cache_read bigint,
        cache_write bigint)
      ON CONFLICT (key) DO NOTHING RETURNING 1
    )
    SELECT (SELECT count(*) FROM added) AS added, (SELECT count(*) FROM cursor) AS cursors`,
  getUsageCursor: `SELECT * FROM usage_cursors WHERE path = $1`,
  listUsageCursors: `SELECT * FROM usage_cursors WHERE updated_at >= $1 ORDER BY path`,
  sumUsage: `SELECT ${SUM_COLUMNS} FROM agent_usage
    WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR identity = $3)
    GROUP BY identity, model ORDER BY identity COLLATE "C", model COLLATE "C"`,

  // Migrations (the DDL itself is in schema.ts)
  migrationsPresent: `SELECT to_regclass('gt_migrations') IS NOT NULL AS present`,
  schemaVersion: `SELECT coalesce(max(version), 0) AS v FROM gt_migrations`,
  migrationsTable: MIGRATIONS_TABLE,
  // Serialises migrations of one schema across processes and hosts.
  migrationLock: `SELECT pg_advisory_xact_lock(hashtext('gastown-migrate'), hashtext($1))`,
  recordMigration: `INSERT INTO gt_migrations (version, applied_at) VALUES ($1, $2)`,
  // The schema the messages table resolved to: NOTIFY payloads name it (TG_TABLE_SCHEMA).
  tableSchema: `SELECT n.nspname AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = to_regclass('messages')`,

  // Copying a town in (gt store migrate): whole rows, their ids and sequence numbers kept.
  tableCounts: `SELECT (SELECT count(*) FROM messages) AS messages,
    (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM agents) AS agents`,
  emptyTables: `TRUNCATE messages, events, agents RESTART IDENTITY`,
  importMessages: importRows('messages', MESSAGE_COLUMNS, true),
  importEvents: importRows('events', EVENT_COLUMNS, true),
  importAgents: importRows('agents', AGENT_RECORD_COLUMNS, false),
  resetSequences: `SELECT
    setval(pg_get_serial_sequence('messages', 'seq'), coalesce((SELECT max(seq) FROM messages), 0) + 1, false),
    setval(pg_get_serial_sequence('events', 'seq'), coalesce((SELECT max(seq) FROM events), 0) + 1, false)`,

  listen: `LISTEN ${DEACON_CHANNEL}`,
  ping: `SELECT 1`,
} as const;

export type StatementName = keyof typeof STATEMENTS;

/** DDL that names an identifier cannot take it as a parameter; `schema` is checked by the caller. */
export const createSchema = (schema: string): string => `CREATE SCHEMA IF NOT EXISTS "${schema}"`;
