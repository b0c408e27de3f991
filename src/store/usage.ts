// What agents spend, as the store keeps it: one row per model reply read from a runtime's own
// record (its transcript or session log), keyed by where it came from so a record read twice is
// counted once; and per file, how far it has been read. Shared by both backends.
import type { Row } from './rows.js';

/** Tokens by kind: input apart from the cached reads and the cache writes. */
export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One reply's usage, as a runtime recorded it. */
export interface UsageEntry {
  /** Unique to the record it came from (the runtime's message id, or the file and offset). */
  key: string;
  identity: string;
  /** When the runtime recorded it. */
  at: number;
  runtime: string;
  model: string;
  conversationId: string | null;
  tokens: Tokens;
}

/** How far a runtime's file has been read, and what its reader carries to the next read. */
export interface UsageCursor {
  path: string;
  identity: string;
  runtime: string;
  conversationId: string | null;
  /** Bytes read (a whole-file reader: the size it last read). */
  readTo: number;
  /** The reader's own state between reads (JSON), such as the model named earlier in the file. */
  state: string | null;
  updatedAt: number;
}

export interface UsageQuery {
  since?: number;
  until?: number;
  identity?: string;
}

/** Usage summed by agent and model. */
export interface UsageSum {
  identity: string;
  model: string;
  runtime: string;
  tokens: Tokens;
  replies: number;
  lastAt: number;
}

/** An entry's values in the insert statements' column order (both backends). */
export function usageValues(e: UsageEntry): unknown[] {
  const t = e.tokens;
  return [
    e.key,
    e.identity,
    e.at,
    e.runtime,
    e.model,
    e.conversationId,
    t.input,
    t.output,
    t.cacheRead,
    t.cacheWrite,
  ];
}

/** A cursor's values in the upsert statements' column order (both backends). */
export function cursorValues(c: UsageCursor): unknown[] {
  return [c.path, c.identity, c.runtime, c.conversationId, c.readTo, c.state, c.updatedAt];
}

const n = (v: unknown): number => Number(v ?? 0);

export function toUsageSum(row: Row): UsageSum {
  return {
    identity: row.identity as string,
    model: row.model as string,
    runtime: row.runtime as string,
    tokens: {
      input: n(row.input),
      output: n(row.output),
      cacheRead: n(row.cache_read),
      cacheWrite: n(row.cache_write),
    },
    replies: n(row.replies),
    lastAt: n(row.last_at),
  };
}

export function toUsageCursor(row: Row): UsageCursor {
  return {
    path: row.path as string,
    identity: row.identity as string,
    runtime: row.runtime as string,
    conversationId: (row.conversation_id as string | null) ?? null,
    readTo: n(row.read_to),
    state: (row.state as string | null) ?? null,
    updatedAt: n(row.updated_at),
  };
}

/** The columns of a sum, for both backends' SELECT. */
export const SUM_COLUMNS = `identity, model, min(runtime) AS runtime,
    sum(input) AS input, sum(output) AS output, sum(cache_read) AS cache_read,
    sum(cache_write) AS cache_write, count(*) AS replies, max(at) AS last_at`;
