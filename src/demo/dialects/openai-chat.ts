// The OpenAI chat-completions API, as Pi and OpenCode speak it: POST /v1/chat/completions,
// streamed as `data:` chunks ending in `data: [DONE]`; a shell command is a call to their `bash`
// tool with `{command}`, answered by a `tool` message in the next request. A request without
// tools (OpenCode's session title) is a side request.
import type { Json } from '../model-wire.js';
import { isRecord, PROMPT_TOO_LONG, sideReplyOf } from '../model-wire.js';
import type { Dialect, Exchange, ReadRequest, Reply } from './dialect.js';
import { canAnswer, requestOf, sendJson } from './dialect.js';

/** The shell tool of both CLIs; its argument is `command`. */
export const SHELL_TOOL = 'bash';
const MODEL = 'scripted-model';

function messagesOf(body: Json): Json[] {
  return Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
}

/** The text of a message's content: a string, or its text parts. */
function textsOf(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((c) =>
    isRecord(c) && (c.type === 'text' || c.type === undefined) && typeof c.text === 'string'
      ? [c.text]
      : [],
  );
}

/** Roles that carry instructions, never a turn: they neither start nor end the newest prompt. */
const INSTRUCTIONS = new Set(['system', 'developer']);

/**
 * The newest prompt: the last text of the newest user message. After a failed turn the next
 * prompt follows the last one with no answer between (Pi drops the failed answer), so only the
 * last message is the live prompt; our hooks put their context in the system prompt. A request
 * whose newest message is a tool's output carries no new prompt (''): a directive must not be
 * acted on twice.
 */
export function lastUserTextOf(body: Json): string {
  const last = messagesOf(body).findLast((m) => !INSTRUCTIONS.has(String(m.role)));
  return last?.role === 'user' ? (textsOf(last.content).at(-1) ?? '') : '';
}

/** Everything the model would read: instructions, messages and tool outputs. */
export function requestTextOf(body: Json): string {
  return messagesOf(body)
    .flatMap((m) => textsOf(m.content))
    .join('\n');
}

/** The main conversation offers the CLI's tools; a title request offers none. */
const isMain = (body: Json): boolean => Array.isArray(body.tools) && body.tools.length > 0;

/** A tool call as the assistant message carries it; `arguments` is JSON text. */
export function toolCallOf(n: number, command: string): Json {
  return {
    id: `call_scripted_${n}`,
    type: 'function',
    function: { name: SHELL_TOOL, arguments: JSON.stringify({ command }) },
  };
}

/** The usage block of chat completions: prompt tokens include the cached ones. */
function usageBlock(ex: Exchange): Json {
  const { input, output, cacheRead } = ex.usage;
  return {
    prompt_tokens: input + cacheRead,
    completion_tokens: output,
    total_tokens: input + cacheRead + output,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

function completionOf(ex: Exchange, reply: Reply): Json {
  const message =
    reply.kind === 'text'
      ? { role: 'assistant', content: reply.text }
      : { role: 'assistant', content: null, tool_calls: [toolCallOf(ex.n, reply.command)] };
  return {
    id: `chatcmpl-scripted-${ex.n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ex.model,
    choices: [
      {
        index: 0,
        message,
        finish_reason: reply.kind === 'text' ? 'stop' : 'tool_calls',
      },
    ],
    usage: usageBlock(ex),
  };
}

/** Two pieces cut near the middle: a reply must come in more than one delta. */
function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

/** The deltas of a reply: the role, its content or tool call in pieces, then the finish. */
function deltasOf(ex: Exchange, reply: Reply): Array<{ delta: Json; finish?: string }> {
  const start = { delta: { role: 'assistant', content: '' } };
  if (reply.kind === 'text')
    return [
      start,
      ...halves(reply.text).map((content) => ({ delta: { content } })),
      { delta: {}, finish: 'stop' },
    ];
  const call = toolCallOf(ex.n, reply.command);
  const fn = call.function as { name: string; arguments: string };
  const [first = '', second = ''] = halves(fn.arguments);
  const opening = { ...call, function: { name: fn.name, arguments: first } };
  return [
    start,
    { delta: { tool_calls: [{ index: 0, ...opening }] } },
    { delta: { tool_calls: [{ index: 0, function: { arguments: second } }] } },
    { delta: {}, finish: 'tool_calls' },
  ];
}

/** The chunks of a streamed reply, the usage chunk (stream_options.include_usage) last. */
export function chunksOf(ex: Exchange, reply: Reply): Json[] {
  const base = {
    id: `chatcmpl-scripted-${ex.n}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: ex.model,
  };
  const chunks = deltasOf(ex, reply).map(({ delta, finish }) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish ?? null }],
  }));
  return [...chunks, { ...base, choices: [], usage: usageBlock(ex) }];
}

function send(ex: Exchange, reply: Reply): void {
  if (!ex.stream) return sendJson(ex.res, 200, completionOf(ex, reply));
  if (!canAnswer(ex.res)) return;
  ex.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const chunk of chunksOf(ex, reply)) ex.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  ex.res.end('data: [DONE]\n\n');
}

/**
 * The API's errors by status, worded as OpenAI words them: a CLI that shows only the message
 * (OpenCode) is then read as it would be against the real service.
 */
const ERRORS: Readonly<Record<number, { type: string; code: string | null; message: string }>> = {
  400: { type: 'invalid_request_error', code: null, message: 'Scripted 400 error: bad request' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided: sk-test…wxyz (scripted).',
  },
  403: { type: 'invalid_request_error', code: null, message: 'Scripted 403 error: forbidden' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for scripted-model (scripted).',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request (scripted).',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The server is overloaded or not ready yet (scripted).',
  },
};

/** An error body as the API shapes it: `{ error: { message, type, param, code } }`. */
export function errorBodyOf(status: number, message?: string): Json {
  const known = ERRORS[status] ?? {
    type: 'server_error',
    code: null,
    message: `Scripted ${status} error`,
  };
  // A context too long is a 400 whose code says so (both CLIs compact or report it by the text).
  const code = message === PROMPT_TOO_LONG ? 'context_length_exceeded' : known.code;
  return { error: { message: message ?? known.message, type: known.type, param: null, code } };
}

function read(body: unknown): ReadRequest | undefined {
  if (!isRecord(body) || !Array.isArray(body.messages)) return undefined;
  return requestOf(body, {
    main: isMain(body),
    lastUserText: lastUserTextOf,
    text: requestTextOf,
    model: MODEL,
  });
}

/** A side request's answer: JSON when its response_format asks for a schema. */
function sideText(body: unknown): string {
  const format = isRecord(body) && isRecord(body.response_format) ? body.response_format : {};
  const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
  const asked = format.type === 'json_schema' ? { type: 'json_schema', schema } : undefined;
  return sideReplyOf({ output_config: { format: asked } });
}

export const openaiChat: Dialect = {
  name: 'openai-chat',
  handles: (method, path) => method === 'POST' && path === '/v1/chat/completions',
  read: (_method, _path, body) => read(body),
  side: (ex, body) => send(ex, { kind: 'text', text: sideText(body) }),
  reply: (ex, reply) => send(ex, reply),
  error(ex, status, retryAfter, message) {
    const headers: Record<string, string> = { 'x-request-id': `req_scripted_${ex.n}` };
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    sendJson(ex.res, status, errorBodyOf(status, message), headers);
  },
};
