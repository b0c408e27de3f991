// Every SQL statement of the PostgreSQL backend, by name (the DDL of each schema version is
// in schema.ts). Named statements are prepared once per connection by node-postgres.
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
  first_claimed_at bigint`;
const EVENT_COLUMNS = `seq bigint, ts bigint, kind text, identity text, message_id text,
  request_id text, action text, outcome text, reason text, duration_ms bigint, data jsonb`;
const AGENT_COLUMNS = `identity text, host text, session text, token_hash text, started_at bigint,
  request_id text, session_confirmed boolean, desired text, restarts jsonb, next_restart_at bigint,
  parked_at bigint, parked_reason text, last_exit text, last_exit_at bigint, updated_at bigint`;

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
  closeMessage: `UPDATE messages SET status = 'done', outcome = $2, closed_at = $3, read = true
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
  settleDone: `UPDATE messages SET status = 'done', outcome = $3, closed_at = $4, read = true,
      claim_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND status = 'claimed' AND claim_owner = $2`,
  settleDead: `UPDATE messages SET status = 'dead', last_error = $3, outcome = 'dead-letter', read = true,
      closed_at = $4, claim_owner = NULL, lease_expires_at = NULL
    WHERE id = $1 AND status = 'claimed' AND claim_owner = $2`,
  settleMail: `UPDATE messages SET status = 'open', outcome = $3, next_attempt_at = $4,
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
  listEvents: `SELECT * FROM events WHERE ts >= $1 AND seq > $2 ORDER BY seq LIMIT $3`,

  getAgent: `SELECT * FROM agents WHERE identity = $1`,
  // One statement creates the record with the schema's defaults or updates it, setting
  // exactly the columns whose keys the patch ($2, JSON by column name) holds.
  patchAgent: `INSERT INTO agents AS a (identity, host, session, token_hash, started_at, request_id,
      session_confirmed, desired, restarts, next_restart_at, parked_at, parked_reason, last_exit,
      last_exit_at, updated_at)
    SELECT $1, p->>'host', p->>'session', p->>'token_hash', (p->>'started_at')::bigint,
      p->>'request_id',
      CASE WHEN p ? 'session_confirmed' THEN (p->>'session_confirmed')::boolean ELSE false END,
      CASE WHEN p ? 'desired' THEN p->>'desired' ELSE 'running' END,
      CASE WHEN p ? 'restarts' THEN p->'restarts' ELSE '[]'::jsonb END,
      (p->>'next_restart_at')::bigint, (p->>'parked_at')::bigint, p->>'parked_reason',
      p->>'last_exit', (p->>'last_exit_at')::bigint, $3
    FROM (SELECT $2::jsonb AS p) AS patch
    ON CONFLICT (identity) DO UPDATE SET
      ${[
        'host',
        'session',
        'token_hash',
        'started_at',
        'request_id',
        'session_confirmed',
        'desired',
        'restarts',
        'next_restart_at',
        'parked_at',
        'parked_reason',
        'last_exit',
        'last_exit_at',
      ]
        .map(patched)
        .join(',\n      ')},
      updated_at = EXCLUDED.updated_at
    RETURNING *`,
  // "C" collation: the same order as SQLite's, whatever the database's locale.
  listAgents: `SELECT * FROM agents ORDER BY identity COLLATE "C"`,

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
  importAgents: importRows('agents', AGENT_COLUMNS, false),
  resetSequences: `SELECT
    setval(pg_get_serial_sequence('messages', 'seq'), coalesce((SELECT max(seq) FROM messages), 0) + 1, false),
    setval(pg_get_serial_sequence('events', 'seq'), coalesce((SELECT max(seq) FROM events), 0) + 1, false)`,

  listen: `LISTEN ${DEACON_CHANNEL}`,
  ping: `SELECT 1`,
} as const;

export type StatementName = keyof typeof STATEMENTS;

/** DDL that names an identifier cannot take it as a parameter; `schema` is checked by the caller. */
export const createSchema = (schema: string): string => `CREATE SCHEMA IF NOT EXISTS "${schema}"`;
