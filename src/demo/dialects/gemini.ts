// The Gemini API, as Gemini CLI speaks it: POST /v1beta/models/<model>:streamGenerateContent
// (server-sent events) for its conversation, :generateContent for side requests (the model
// router's classifier, a session summary), :countTokens; a shell command is a functionCall to
// its `run_shell_command` tool, whose result comes back as a functionResponse part.
import type { ServerResponse } from 'node:http';
import type { Json } from '../model-wire.js';
import { isRecord, PROMPT_TOO_LONG } from '../model-wire.js';
import type { Dialect, Exchange, ReadRequest, Reply } from './dialect.js';
import { sendEvents, sendJson } from './dialect.js';

/** The tool Gemini CLI runs shell commands with, and its argument. */
export const SHELL_TOOL = 'run_shell_command';
const MODEL = 'gemini-scripted';

/** `/v1beta/models/<model>:<method>`, the API version and the model named in the path. */
const ROUTE = /^\/v1(?:beta|alpha)?\/models\/(?<model>[^/:]+):(?<method>[A-Za-z]+)$/;
const CONVERSE = new Set(['streamGenerateContent', 'generateContent']);

/** The API's status word and message for each HTTP status, as its error bodies carry them. */
const STATUSES: Readonly<Record<number, readonly [word: string, message: string]>> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission.'],
  404: ['NOT_FOUND', 'The requested model was not found.'],
  429: ['RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
  500: ['INTERNAL', 'An internal error has occurred. Please retry.'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  504: ['DEADLINE_EXCEEDED', 'The request timed out. Please try again.'],
};

/** What the Gemini API says of a request over the model's window (the FULL directive). */
export const INPUT_TOO_LONG =
  'The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).';

function routeOf(path: string): { model: string; method: string } | undefined {
  const g = ROUTE.exec(path)?.groups;
  const model = g?.model;
  const method = g?.method;
  return model === undefined || method === undefined ? undefined : { model, method };
}

function partsOf(content: unknown): Json[] {
  return isRecord(content) && Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
}

function contentsOf(body: Json): Json[] {
  return Array.isArray(body.contents) ? body.contents.filter(isRecord) : [];
}

/** A part as the model reads it: its text, or a tool result's output. */
function partText(part: Json): string[] {
  if (typeof part.text === 'string') return [part.text];
  const response = isRecord(part.functionResponse) ? part.functionResponse.response : undefined;
  return response === undefined ? [] : [JSON.stringify(response)];
}

/** A part Gemini CLI adds as context of its own: the session's, or a hook's additionalContext. */
const CONTEXT_PART = /^<(session_context|hook_context)>[\s\S]*<\/\1>\s*$/;

/**
 * The newest prompt: the text parts of the last user content. Gemini CLI sends
 * its context (the session's, a hook's) as parts beside the prompt's own, each in its own tags:
 * those are left out, so a directive in them is never read as the prompt's. A tool's result
 * (functionResponse) is no prompt.
 */
export function lastPromptOf(body: Json): string {
  const user = contentsOf(body)
    .filter((c) => c.role === 'user')
    .at(-1);
  return partsOf(user)
    .flatMap((p) => (typeof p.text === 'string' && !CONTEXT_PART.test(p.text) ? [p.text] : []))
    .join('\n');
}

/** Everything the model reads: the system instruction, then every part of every content. */
export function requestTextOf(body: Json): string {
  const system = partsOf(body.systemInstruction).flatMap(partText);
  return [...system, ...contentsOf(body).flatMap((c) => partsOf(c).flatMap(partText))].join('\n');
}

function schemaOf(body: Json): unknown {
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  return config.responseJsonSchema ?? config.responseSchema;
}

/**
 * A value fitting a JSON schema (Gemini's upper-case types too). Enums take their first value,
 * but `user` where offered: a next-speaker check answered `model` would start a turn by itself.
 */
export function sampleOf(schema: unknown, name = 'value'): unknown {
  if (!isRecord(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return schema.enum.includes('user') ? 'user' : schema.enum[0];
  const type = String(schema.type).toLowerCase();
  if (type === 'string') return `Scripted ${name}.`;
  if (type === 'number' || type === 'integer')
    return typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (type === 'boolean') return false;
  if (type === 'array') return [];
  if (type !== 'object') return null;
  const props = isRecord(schema.properties) ? schema.properties : {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleOf(v, k)]));
}

function candidateOf(ex: Exchange, parts: Json[]): Json {
  const { input, output, cacheRead } = ex.usage;
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: input + cacheRead,
      cachedContentTokenCount: cacheRead,
      candidatesTokenCount: output,
      totalTokenCount: input + cacheRead + output,
    },
    modelVersion: MODEL,
  };
}

function partsOfReply(ex: Exchange, reply: Reply): Json[] {
  if (reply.kind === 'text') return [{ text: reply.text }];
  const call = { id: `call_scripted_${ex.n}`, name: SHELL_TOOL, args: { command: reply.command } };
  return [{ functionCall: call }];
}

/** Sends the parts as one SSE chunk when streamed (enough for Gemini CLI), else as JSON. */
function send(ex: Exchange, parts: Json[]): void {
  const data = candidateOf(ex, parts);
  if (ex.stream) sendEvents(ex.res, [{ data }]);
  else sendJson(ex.res, 200, data);
}

/** The error body of the Gemini API; a 429 names its retry delay as the API does (RetryInfo). */
export function errorBodyOf(status: number, retryAfter?: number, message?: string): Json {
  const [word, text] = STATUSES[status] ?? [status >= 500 ? 'INTERNAL' : 'UNKNOWN', 'Error.'];
  const details =
    retryAfter === undefined
      ? []
      : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` }];
  const said = message === PROMPT_TOO_LONG ? INPUT_TOO_LONG : (message ?? text);
  return {
    error: {
      code: status,
      message: said,
      status: word,
      ...(details.length > 0 ? { details } : {}),
    },
  };
}

export const gemini: Dialect = {
  name: 'gemini',
  handles: (method, path) => method === 'POST' && CONVERSE.has(routeOf(path)?.method ?? ''),
  read(_method, path, body): ReadRequest | undefined {
    if (!isRecord(body) || !Array.isArray(body.contents)) return undefined;
    const stream = routeOf(path)?.method === 'streamGenerateContent';
    return {
      // Only the conversation streams; the router, summaries and checks ask :generateContent.
      main: stream,
      lastUserText: lastPromptOf(body),
      text: requestTextOf(body),
      stream,
      model: routeOf(path)?.model ?? MODEL,
    };
  },
  side(ex, body) {
    const schema = isRecord(body) ? schemaOf(body) : undefined;
    const text = schema === undefined ? 'Scripted side reply.' : JSON.stringify(sampleOf(schema));
    send(ex, [{ text }]);
  },
  reply: (ex, reply) => send(ex, partsOfReply(ex, reply)),
  error(ex, status, retryAfter, message) {
    const headers: Record<string, string> =
      retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
    sendJson(ex.res, status, errorBodyOf(status, retryAfter, message), headers);
  },
  other(res: ServerResponse, method, path, raw) {
    const route = routeOf(path);
    if (method === 'POST' && route?.method === 'countTokens') {
      sendJson(res, 200, { totalTokens: Math.max(1, Math.ceil(raw.length / 4)) });
      return true;
    }
    if (method === 'GET' && /^\/v1(?:beta|alpha)?\/models$/.test(path)) {
      sendJson(res, 200, {
        models: [{ name: `models/${MODEL}`, displayName: 'Gemini (scripted)' }],
      });
      return true;
    }
    return false;
  },
};
