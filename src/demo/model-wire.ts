// The Messages API wire format of the scripted model server, as pure functions: what a request
// says (prompt text, directives) and the bytes of a reply (messages, SSE events, error bodies).
import type { Usage } from './dialects/dialect.js';

export type ScriptedAction =
  | { kind: 'say'; text: string }
  | { kind: 'bash'; command: string }
  | { kind: 'error'; status: number; retryAfter?: number; message?: string }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; then: ScriptedAction };

/** What the Messages API answers a request whose context is over the model's window. */
export const PROMPT_TOO_LONG = 'prompt is too long: 212000 tokens > 200000 maximum';

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
export const MODEL = {
  type: 'model',
  id: 'claude-scripted',
  display_name: 'Claude (scripted)',
  created_at: '2025-01-01T00:00:00Z',
};
export const MODEL_LIST = { data: [MODEL], has_more: false, first_id: MODEL.id, last_id: MODEL.id };

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The content blocks of a message or tool_result; string content counts as one text block. */
function blocksOf(holder: unknown): Json[] {
  if (!isRecord(holder)) return [];
  const { content } = holder;
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function textsOf(blocks: Json[]): string[] {
  return blocks.flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : []));
}

function messagesOf(body: unknown): unknown[] {
  return isRecord(body) && Array.isArray(body.messages) ? body.messages : [];
}

/**
 * The last text block of the last user message. After an API error Claude Code merges the next
 * prompt into the failed prompt's user message, so only the last block is the live prompt.
 */
export function lastUserTextOf(body: unknown): string {
  const user = messagesOf(body).findLast((m) => isRecord(m) && m.role === 'user');
  return textsOf(blocksOf(user)).at(-1) ?? '';
}

/** Everything the model would read: system text, message text and tool results. */
export function requestTextOf(body: unknown): string {
  if (!isRecord(body)) return '';
  const { system } = body;
  const systemTexts =
    typeof system === 'string'
      ? [system]
      : textsOf(Array.isArray(system) ? system.filter(isRecord) : []);
  const messageTexts = messagesOf(body).flatMap((m) =>
    blocksOf(m).flatMap((b) => (b.type === 'tool_result' ? textsOf(blocksOf(b)) : textsOf([b]))),
  );
  return [...systemTexts, ...messageTexts].join('\n');
}

export function isMainRequest(method: string, path: string, body: unknown): boolean {
  return (
    method === 'POST' &&
    path === '/v1/messages' &&
    isRecord(body) &&
    Array.isArray(body.tools) &&
    body.tools.length > 0
  );
}

// The leftmost directive wins, so a prompt that quotes one later in its text still means the first.
const DIRECTIVE =
  /\b(?:SAY:(?<say>.+)|BASH:(?<bash>.+)|ERR:(?<status>\d{3})(?::(?<retry>\d+))?|(?<hang>HANG)\b|(?<full>FULL)\b|DELAY:(?<delay>\d+))/;

/**
 * Parses a directive from prompt text: SAY:<text>, BASH:<cmd> (each to the end of its line),
 * ERR:<status>[:<retry-after>], HANG, FULL (the API's answer to a context too long), DELAY:<ms>. DELAY then does the directive after it, or
 * else `afterDelay` (the server passes its default). Undefined when there is none.
 */
export function directiveOf(text: string, afterDelay?: ScriptedAction): ScriptedAction | undefined {
  const match = DIRECTIVE.exec(text);
  const g = match?.groups;
  if (match === null || g === undefined) return undefined;
  if (g.say !== undefined) return { kind: 'say', text: g.say.trim() };
  if (g.bash !== undefined) return { kind: 'bash', command: g.bash.trim() };
  if (g.status !== undefined) {
    const status = Number(g.status);
    return g.retry === undefined
      ? { kind: 'error', status }
      : { kind: 'error', status, retryAfter: Number(g.retry) };
  }
  if (g.hang !== undefined) return { kind: 'hang' };
  if (g.full !== undefined) return { kind: 'error', status: 400, message: PROMPT_TOO_LONG };
  const ms = Number(g.delay);
  const then =
    directiveOf(text.slice(match.index + match[0].length), afterDelay) ??
    afterDelay ??
    ({ kind: 'say', text: `Scripted reply after ${ms} ms.` } as const);
  return { kind: 'delay', ms, then };
}

const SAMPLES: Readonly<Record<string, unknown>> = { number: 0, integer: 0, boolean: false };

/** A value fitting a simple JSON schema: objects of strings, numbers, booleans, enums. */
function sampleOf(schema: unknown, name: string): unknown {
  if (!isRecord(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.type === 'string') return `Scripted ${name}`;
  if (schema.type === 'array') return [];
  if (schema.type !== 'object') return SAMPLES[String(schema.type)] ?? null;
  const props = isRecord(schema.properties) ? schema.properties : {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleOf(v, k)]));
}

/** The reply to a side request (a session title and the like), JSON when a schema asks for it. */
export function sideReplyOf(body: Json): string {
  const format = isRecord(body.output_config) ? body.output_config.format : undefined;
  if (isRecord(format) && format.type === 'json_schema')
    return JSON.stringify(sampleOf(format.schema, 'value'));
  return 'Scripted side reply.';
}

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: { command: string } };

/** What numbers and labels one messages reply: `n` numbers its ids. */
export interface ReplyIds {
  n: number;
  model: string;
  usage: Usage;
}

export function bashBlock(ex: ReplyIds, command: string): Block {
  return { type: 'tool_use', id: `toolu_scripted_${ex.n}`, name: 'Bash', input: { command } };
}

export function messageOf(
  ex: ReplyIds,
  content: Block[],
  stopReason: string | null,
  /** The output counted so far: a streamed reply starts at 1 and says the rest at its end. */
  outTokens = ex.usage.output,
) {
  return {
    id: `msg_scripted_${ex.n}`,
    type: 'message',
    role: 'assistant',
    model: ex.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: ex.usage.input,
      output_tokens: outTokens,
      cache_creation_input_tokens: ex.usage.cacheWrite,
      cache_read_input_tokens: ex.usage.cacheRead,
    },
  };
}

/** Two pieces cut near the middle, at a space if one follows: a reply must come in 2+ deltas. */
function splitInTwo(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  const space = text.indexOf(' ', middle);
  const cut = space >= 0 ? space + 1 : middle;
  return [text.slice(0, cut), text.slice(cut)];
}

/** The SSE events of a one-block reply, in the sequence Claude Code accepts; `type` names each. */
export function sseEventsOf(ex: ReplyIds, block: Block, stopReason: string): Json[] {
  const isText = block.type === 'text';
  const deltas = splitInTwo(isText ? block.text : JSON.stringify(block.input)).map((piece) =>
    isText
      ? { type: 'text_delta', text: piece }
      : { type: 'input_json_delta', partial_json: piece },
  );
  const emptyBlock = isText ? { type: 'text', text: '' } : { ...block, input: {} };
  return [
    { type: 'message_start', message: messageOf(ex, [], null, 1) },
    { type: 'ping' },
    { type: 'content_block_start', index: 0, content_block: emptyBlock },
    ...deltas.map((delta) => ({ type: 'content_block_delta', index: 0, delta })),
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: ex.usage.output },
    },
    { type: 'message_stop' },
  ];
}

/** One SSE event as sent on the wire; `type` names the event. */
export function sseFrameOf(data: Json): string {
  return `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The headers and body of an API error reply, as the Anthropic API shapes them. */
export function errorReplyOf(
  n: number,
  status: number,
  retryAfter?: number,
  message?: string,
): { headers: Record<string, string>; body: Json } {
  const headers: Record<string, string> = { 'request-id': `req_scripted_${n}` };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  if (status === 529) headers['x-should-retry'] = 'true';
  const error = { type: ERROR_TYPES[status] ?? 'api_error', message: `Scripted ${status} error` };
  if (status === 400)
    error.message = 'Scripted 400 error: the body is not JSON with a messages array';
  if (message !== undefined) error.message = message;
  return { headers, body: { type: 'error', error, request_id: headers['request-id'] } };
}

/** The request body as JSON; undefined when it is empty or not JSON. */
export function parseJson(raw: string): unknown {
  try {
    return raw === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
}
