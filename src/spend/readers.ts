// Where each runtime writes what its model replies spent, read line by line (every one of them
// appends JSON lines). Each reader turns one line into entries with a key unique to the reply,
// so a reply written twice (Claude Code: once per content block; Gemini CLI: again with its tool
// calls) or read twice counts once. Token kinds are made the same for all: input without the
// cached reads, cache reads, cache writes, output (with reasoning).
import type { Tokens } from '../store/store.js';

/** What a reader carries from one line to the next, and from one read to the next (as JSON). */
export type ReaderState = Record<string, unknown>;

export interface ReadEntry {
  key: string;
  at: number;
  model: string;
  tokens: Tokens;
}

export interface LineContext {
  path: string;
  /** The byte offset of the line in its file. */
  offset: number;
  state: ReaderState;
  /** When a record that gives no time of its own is taken to be from. */
  now: number;
}

export interface UsageReader {
  line(line: string, ctx: LineContext): ReadEntry[] | undefined;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A count: a non-negative whole number, else 0 (a record that says nothing sensible). */
const count = (v: unknown): number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0;

function parseLine(line: string): Json | undefined {
  if (!line.includes('"')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined; // a torn or foreign line: nothing to count
  }
}

function timeOf(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isFinite(t) ? t : fallback;
}

const text = (v: unknown, fallback: string): string =>
  typeof v === 'string' && v !== '' ? v : fallback;

const spent = (t: Tokens): boolean => t.input + t.output + t.cacheRead + t.cacheWrite > 0;

/** Claude Code's transcript: each assistant line carries its message's usage. */
export const claudeReader: UsageReader = {
  line(line, ctx) {
    if (!line.includes('"usage"')) return undefined;
    const row = parseLine(line);
    const message = row?.message;
    if (row?.type !== 'assistant' || !isObject(message) || !isObject(message.usage)) return;
    const u = message.usage;
    const id = text(message.id, '');
    if (id === '' || message.model === '<synthetic>') return undefined;
    const tokens = {
      input: count(u.input_tokens),
      output: count(u.output_tokens),
      cacheRead: count(u.cache_read_input_tokens),
      cacheWrite: count(u.cache_creation_input_tokens),
    };
    if (!spent(tokens)) return undefined;
    const key = `claude:${id}:${text(row.requestId, '')}`;
    return [
      { key, at: timeOf(row.timestamp, ctx.now), model: text(message.model, 'unknown'), tokens },
    ];
  },
};

/**
 * Codex's session log (rollout): the model is named by each turn's context, the usage of each
 * request by a token_count event (its input counts the cached part). A token_count that repeats
 * the running total (sent again with new rate limits) spent nothing more.
 */
export const codexReader: UsageReader = {
  line(line, ctx) {
    if (!line.includes('"turn_context"') && !line.includes('"token_count"')) return undefined;
    const row = parseLine(line);
    const payload = row?.payload;
    if (row === undefined || !isObject(payload)) return undefined;
    if (row.type === 'turn_context') {
      if (typeof payload.model === 'string') ctx.state.model = payload.model;
      return undefined;
    }
    const info = payload.info;
    if (payload.type !== 'token_count' || !isObject(info) || !isObject(info.last_token_usage))
      return undefined;
    const total = isObject(info.total_token_usage) ? count(info.total_token_usage.total_tokens) : 0;
    if (total !== 0 && total === ctx.state.total) return undefined;
    ctx.state.total = total;
    const u = info.last_token_usage;
    const cached = count(u.cached_input_tokens);
    const tokens = {
      input: Math.max(0, count(u.input_tokens) - cached),
      output: count(u.output_tokens),
      cacheRead: cached,
      cacheWrite: count(u.cache_write_input_tokens),
    };
    if (!spent(tokens)) return undefined;
    const model = text(ctx.state.model, 'unknown');
    return [
      { key: `codex:${ctx.path}:${ctx.offset}`, at: timeOf(row.timestamp, ctx.now), model, tokens },
    ];
  },
};

/** Gemini CLI's chat log: each model message with its tokens (input counts the cached part). */
export const geminiReader: UsageReader = {
  line(line, ctx) {
    if (!line.includes('"tokens"')) return undefined;
    const row = parseLine(line);
    if (row?.type !== 'gemini' || !isObject(row.tokens)) return undefined;
    const id = text(row.id, '');
    if (id === '') return undefined;
    const t = row.tokens;
    const cached = count(t.cached);
    const tokens = {
      input: Math.max(0, count(t.input) - cached) + count(t.tool),
      output: count(t.output) + count(t.thoughts),
      cacheRead: cached,
      cacheWrite: 0,
    };
    if (!spent(tokens)) return undefined;
    return [
      {
        key: `gemini:${id}`,
        at: timeOf(row.timestamp, ctx.now),
        model: text(row.model, 'unknown'),
        tokens,
      },
    ];
  },
};

/** Pi's session file: each assistant message with its usage, input apart from the cache. */
export const piReader: UsageReader = {
  line(line, ctx) {
    if (!line.includes('"usage"')) return undefined;
    const row = parseLine(line);
    const message = row?.message;
    if (row?.type !== 'message' || !isObject(message) || message.role !== 'assistant') return;
    if (!isObject(message.usage)) return undefined;
    const u = message.usage;
    const tokens = {
      input: count(u.input),
      output: count(u.output),
      cacheRead: count(u.cacheRead),
      cacheWrite: count(u.cacheWrite),
    };
    if (!spent(tokens)) return undefined;
    const id = text(message.responseId, `${ctx.path}:${text(row.id, String(ctx.offset))}`);
    const at = timeOf(message.timestamp, timeOf(row.timestamp, ctx.now));
    return [{ key: `pi:${id}`, at, model: text(message.model, 'unknown'), tokens }];
  },
};

const READERS: Record<string, UsageReader> = {
  claude: claudeReader,
  codex: codexReader,
  gemini: geminiReader,
  pi: piReader,
};

/** The reader of a runtime's records; undefined where gastown-ts cannot read its usage. */
export function readerFor(runtime: string): UsageReader | undefined {
  return READERS[runtime];
}
