// The Anthropic Messages API, as Claude Code speaks it: POST /v1/messages (streamed), the token
// count and the model list; a shell command is a tool_use block for the tool Bash.
import type { ServerResponse } from 'node:http';
import {
  bashBlock,
  errorReplyOf,
  isMainRequest,
  isRecord,
  lastUserTextOf,
  MODEL,
  MODEL_LIST,
  messageOf,
  requestTextOf,
  sideReplyOf,
  sseEventsOf,
} from '../model-wire.js';
import type { Block } from '../model-wire.js';
import type { Dialect, Exchange, Reply } from './dialect.js';
import { canAnswer, requestOf, sendJson } from './dialect.js';

function send(ex: Exchange, block: Block): void {
  const stopReason = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
  // As the API: every reply names its request (Claude Code records it beside the usage).
  const requestId = { 'request-id': `req_scripted_${ex.n}` };
  if (!ex.stream) return sendJson(ex.res, 200, messageOf(ex, [block], stopReason), requestId);
  if (!canAnswer(ex.res)) return;
  ex.res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...requestId,
  });
  for (const data of sseEventsOf(ex, block, stopReason))
    ex.res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
  ex.res.end();
}

export const anthropic: Dialect = {
  name: 'anthropic',
  handles: (method, path) => method === 'POST' && path === '/v1/messages',
  read(method, path, body) {
    if (!isRecord(body) || !Array.isArray(body.messages)) return undefined;
    return requestOf(body, {
      main: isMainRequest(method, path, body),
      lastUserText: lastUserTextOf,
      text: requestTextOf,
      model: MODEL.id,
    });
  },
  side: (ex, body) => send(ex, { type: 'text', text: sideReplyOf(isRecord(body) ? body : {}) }),
  reply: (ex, reply: Reply) =>
    send(
      ex,
      reply.kind === 'text' ? { type: 'text', text: reply.text } : bashBlock(ex, reply.command),
    ),
  error(ex, status, retryAfter, message) {
    const { headers, body } = errorReplyOf(ex.n, status, retryAfter, message);
    sendJson(ex.res, status, body, headers);
  },
  other(res: ServerResponse, method, path, raw) {
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: Math.max(1, Math.ceil(raw.length / 4)) });
      return true;
    }
    if (method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, MODEL_LIST);
      return true;
    }
    if (method === 'GET' && path.startsWith('/v1/models/')) {
      sendJson(res, 200, MODEL);
      return true;
    }
    return false;
  },
};
