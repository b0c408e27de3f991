// The OpenAI Responses API, as Codex speaks it: POST /v1/responses, streamed as server-sent
// events; a shell command is a function_call to Codex's `exec_command` tool, whose output comes
// back as a function_call_output item of the next request.
import type { Json } from '../model-wire.js';
import { isRecord, PROMPT_TOO_LONG, sideReplyOf } from '../model-wire.js';
import type { Dialect, Exchange, ReadRequest, Reply } from './dialect.js';
import { canAnswer, requestOf, sendJson } from './dialect.js';

/** The tool Codex runs shell commands with (unified exec); its argument is `cmd`. */
export const SHELL_TOOL = 'exec_command';
const MODEL = 'gpt-scripted';

function itemsOf(body: Json): Json[] {
  const { input } = body;
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input.filter(isRecord) : [];
}

/** The text parts of a message's content (input_text, output_text, or a plain string). */
function textsOf(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((c) =>
    isRecord(c) && typeof c.text === 'string' && /^(input|output)_text$|^text$/.test(String(c.type))
      ? [c.text]
      : [],
  );
}

const isMessage = (item: Json): boolean => item.type === 'message' || item.type === undefined;
const isUser = (item: Json): boolean => isMessage(item) && item.role === 'user';

/** A tool's answer (function_call_output, custom_tool_call_output …). */
const isToolOutput = (item: Json): boolean => /_call_output$/.test(String(item.type));

/** What a tool call's output item says, as text (a string, or content parts). */
function outputOf(item: Json): string[] {
  if (!isToolOutput(item)) return [];
  return typeof item.output === 'string' ? [item.output] : textsOf(item.output);
}

/**
 * The newest user prompt: the last text of the newest user message (a hook's context comes after
 * it as a developer message). A request whose newest item is a tool's output carries no new
 * prompt (''): a directive in the prompt that called the tool must not be acted on twice.
 */
export function lastUserTextOf(body: Json): string {
  const last = itemsOf(body).findLast((i) => isUser(i) || isToolOutput(i));
  return last !== undefined && isUser(last) ? (textsOf(last.content).at(-1) ?? '') : '';
}

/** Everything the model would read: instructions, messages and tool outputs. */
export function requestTextOf(body: Json): string {
  const instructions = typeof body.instructions === 'string' ? [body.instructions] : [];
  const items = itemsOf(body).flatMap((i) => (isMessage(i) ? textsOf(i.content) : outputOf(i)));
  return [...instructions, ...items].join('\n');
}

/** The main conversation offers Codex's tools; the task-title request offers none. */
function isMain(body: Json): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

/** One output item of a reply: an assistant message or a call to the shell tool. */
export function outputItemOf(n: number, reply: Reply): Json {
  if (reply.kind === 'text')
    return {
      type: 'message',
      id: `msg_scripted_${n}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    };
  return {
    type: 'function_call',
    id: `fc_scripted_${n}`,
    status: 'completed',
    call_id: `call_scripted_${n}`,
    name: SHELL_TOOL,
    arguments: JSON.stringify({ cmd: reply.command }),
  };
}

function responseOf(ex: Exchange, status: string, output: Json[]): Json {
  return {
    id: `resp_scripted_${ex.n}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: ex.model,
    output,
    usage: {
      input_tokens: ex.usage.input + ex.usage.cacheRead,
      input_tokens_details: { cached_tokens: ex.usage.cacheRead },
      output_tokens: ex.usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: ex.usage.input + ex.usage.cacheRead + ex.usage.output,
    },
  };
}

/** The events of a one-item reply, as the API streams it; each names itself in `type`. */
export function sseEventsOf(ex: Exchange, item: Json): Json[] {
  const at = { output_index: 0 };
  const text = item.type === 'message' ? textsOf(item.content).join('') : undefined;
  const deltas =
    text === undefined
      ? []
      : [
          { ...at, type: 'response.content_part.added', item_id: item.id, content_index: 0 },
          {
            ...at,
            type: 'response.output_text.delta',
            item_id: item.id,
            content_index: 0,
            delta: text,
          },
        ];
  const added = { ...item, status: 'in_progress', ...(text === undefined ? {} : { content: [] }) };
  return [
    { type: 'response.created', response: responseOf(ex, 'in_progress', []) },
    { ...at, type: 'response.output_item.added', item: added },
    ...deltas,
    { ...at, type: 'response.output_item.done', item },
    { type: 'response.completed', response: responseOf(ex, 'completed', [item]) },
  ].map((e, i) => ({ ...e, sequence_number: i }));
}

function send(ex: Exchange, item: Json): void {
  if (!ex.stream) return sendJson(ex.res, 200, responseOf(ex, 'completed', [item]));
  if (!canAnswer(ex.res)) return;
  ex.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const data of sseEventsOf(ex, item))
    ex.res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
  ex.res.end();
}

/** The API's error types and messages by status. */
const ERRORS: Readonly<Record<number, { type: string; code: string | null; message: string }>> = {
  400: { type: 'invalid_request_error', code: null, message: 'Scripted 400 error: bad request' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Scripted: Incorrect API key provided',
  },
  403: { type: 'invalid_request_error', code: null, message: 'Scripted 403 error' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Scripted rate limit reached' },
  500: { type: 'server_error', code: null, message: 'Scripted 500 error' },
};

/** An error body as the API shapes it: `{ error: { message, type, param, code } }`. */
export function errorBodyOf(status: number, message?: string): Json {
  const known = ERRORS[status] ?? { type: 'server_error', code: null, message: '' };
  const text = message ?? (known.message || `Scripted ${status} error`);
  return { error: { message: text, type: known.type, param: null, code: known.code } };
}

/**
 * A context too long fails inside a stream (response.failed, code context_length_exceeded):
 * that is where Codex reads it as a full context window rather than a bad request.
 */
function contextFull(ex: Exchange): void {
  if (!canAnswer(ex.res)) return;
  const error = { code: 'context_length_exceeded', message: PROMPT_TOO_LONG };
  const failed = { ...responseOf(ex, 'failed', []), error };
  ex.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const data of [
    { type: 'response.created', response: responseOf(ex, 'in_progress', []) },
    { type: 'response.failed', response: failed },
  ])
    ex.res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
  ex.res.end();
}

function read(body: unknown): ReadRequest | undefined {
  if (!isRecord(body) || !(Array.isArray(body.input) || typeof body.input === 'string'))
    return undefined;
  return requestOf(body, {
    main: isMain(body),
    lastUserText: lastUserTextOf,
    text: requestTextOf,
    model: MODEL,
  });
}

/** A side request's answer: JSON when its `text.format` asks for a schema (a task title). */
function sideText(body: unknown): string {
  const format = isRecord(body) && isRecord(body.text) ? body.text.format : undefined;
  return sideReplyOf({ output_config: { format } });
}

export const openaiResponses: Dialect = {
  name: 'openai-responses',
  handles: (method, path) => method === 'POST' && path === '/v1/responses',
  read: (_method, _path, body) => read(body),
  side: (ex, body) => send(ex, outputItemOf(ex.n, { kind: 'text', text: sideText(body) })),
  reply: (ex, reply) => send(ex, outputItemOf(ex.n, reply)),
  error(ex, status, retryAfter, message) {
    if (status === 400 && message === PROMPT_TOO_LONG && ex.stream) return contextFull(ex);
    const headers: Record<string, string> = { 'x-request-id': `req_scripted_${ex.n}` };
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    sendJson(ex.res, status, errorBodyOf(status, message), headers);
  },
};
