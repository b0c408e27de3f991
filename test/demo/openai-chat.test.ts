// The scripted server speaking OpenAI chat completions, as Pi and OpenCode read it: streamed
// chunks then [DONE], a shell command as a call to `bash` with {command}, errors with their
// status, body and retry-after, OpenCode's title request kept out of the conversation.
import { describe, expect, it } from 'vitest';
import { startModelServer } from '../../src/demo/model-server.js';
import type { ModelServer } from '../../src/demo/model-server.js';
import { onCleanup } from '../helpers/temp.js';

type Json = Record<string, unknown>;

async function serve(): Promise<ModelServer> {
  const server = await startModelServer();
  onCleanup(() => server.close());
  return server;
}

const TOOLS = ['read', 'bash', 'edit', 'write'].map((name) => ({
  type: 'function',
  function: { name, parameters: { type: 'object' } },
}));

const user = (text: string): Json => ({ role: 'user', content: [{ type: 'text', text }] });

/** A main request the way Pi sends one: a system message, tools, streaming with usage. */
function mainBody(...messages: Json[]): Json {
  return {
    model: 'mock-model',
    stream: true,
    stream_options: { include_usage: true },
    store: false,
    max_completion_tokens: 4096,
    tools: TOOLS,
    messages: [{ role: 'system', content: 'You are an expert coding assistant.' }, ...messages],
  };
}

function post(server: ModelServer, body: unknown): Promise<Response> {
  return fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The chunks of a stream, which must end in `data: [DONE]`. */
async function chunks(res: Response): Promise<Json[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const data = (await res.text())
    .split('\n\n')
    .filter((c) => c.trim() !== '')
    .map((c) => /^data: (.*)$/.exec(c)?.[1] ?? '');
  expect(data.at(-1)).toBe('[DONE]');
  return data.slice(0, -1).map((d) => JSON.parse(d) as Json);
}

interface Assembled {
  content: string;
  finish: unknown;
  calls: Json[];
  usage: unknown;
}

/** Joins the deltas as a client does: content, and tool calls by index. */
function assemble(all: Json[]): Assembled {
  let content = '';
  let finish: unknown = null;
  const calls: Json[] = [];
  for (const chunk of all) {
    for (const choice of chunk.choices as Json[]) {
      const delta = choice.delta as Json;
      if (typeof delta.content === 'string') content += delta.content;
      for (const part of (delta.tool_calls ?? []) as Json[]) {
        const at = part.index as number;
        const fn = part.function as { name?: string; arguments?: string };
        const call = (calls[at] ??= { ...part, function: { ...fn, arguments: '' } });
        const joined = call.function as { arguments: string };
        joined.arguments += fn.arguments ?? '';
      }
      if (choice.finish_reason !== null) finish = choice.finish_reason;
    }
  }
  return { content, finish, calls, usage: all.at(-1)?.usage };
}

async function replyTo(server: ModelServer, body: unknown): Promise<Assembled> {
  return assemble(await chunks(await post(server, body)));
}

describe('chat-completions replies', () => {
  it('streams a text reply in pieces, finish_reason stop, then usage and [DONE]', async () => {
    const server = await serve();
    const all = await chunks(await post(server, mainBody(user('hi SAY:Hello there, Pi.'))));
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const c of all)
      expect(c).toMatchObject({ object: 'chat.completion.chunk', model: 'mock-model' });
    const got = assemble(all);
    expect(got).toMatchObject({ content: 'Hello there, Pi.', finish: 'stop', calls: [] });
    const spent = server.requests.at(-1)?.usage;
    expect(spent).toBeDefined();
    expect(got.usage).toMatchObject({
      prompt_tokens: (spent?.input ?? 0) + (spent?.cacheRead ?? 0),
      completion_tokens: spent?.output,
      prompt_tokens_details: { cached_tokens: spent?.cacheRead },
    });
    expect(all.at(-1)?.choices).toEqual([]);
  });

  it('runs a shell command as a call to bash with {command}, finish_reason tool_calls', async () => {
    const server = await serve();
    const command = `echo "it's done" > out.txt; cat out.txt`;
    const got = await replyTo(server, mainBody(user(`BASH:${command}`)));
    expect(got.finish).toBe('tool_calls');
    expect(got.calls).toHaveLength(1);
    expect(got.calls[0]).toMatchObject({ type: 'function', function: { name: 'bash' } });
    expect(got.calls[0]?.id).toMatch(/^call_/);
    const fn = got.calls[0]?.function as Json;
    expect(JSON.parse(String(fn.arguments))).toEqual({ command });
  });

  it('answers a request that does not stream with the whole completion', async () => {
    const server = await serve();
    server.push({ kind: 'bash', command: 'pwd' });
    const res = (await (await post(server, { ...mainBody(user('x')), stream: false })).json()) as {
      choices: Array<{ message: Json; finish_reason: string }>;
    };
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(res.choices[0]?.message.tool_calls).toMatchObject([{ function: { name: 'bash' } }]);
  });
});

describe('what a chat-completions request asks', () => {
  it('the newest prompt is the last user message: a failed turn’s prompt before it is not acted on again', async () => {
    const server = await serve();
    const body = mainBody(
      user('SAY:old'),
      { role: 'assistant', content: 'old' },
      user('the failed prompt ERR:401'),
      user('the prompt SAY:new'),
      { role: 'system', content: 'late instructions' },
    );
    expect((await replyTo(server, body)).content).toBe('new');
    expect(server.requests.at(-1)).toMatchObject({
      main: true,
      lastUserText: 'the prompt SAY:new',
    });
  });

  it('a request ending in a tool’s output carries no prompt: the directive is not done twice', async () => {
    const server = await serve();
    const call = { id: 'c1', type: 'function', function: { name: 'bash', arguments: '{}' } };
    const body = mainBody(
      user('BASH:ls'),
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'c1', content: 'file.txt SAY:not me' },
    );
    expect((await replyTo(server, body)).content).toBe('Scripted reply #1.');
    const [r] = server.requests;
    expect(r?.lastUserText).toBe('');
    for (const part of ['expert coding assistant', 'BASH:ls', 'file.txt'])
      expect(r?.text).toContain(part);
  });

  it('reads string content too, as OpenCode sends it', async () => {
    const server = await serve();
    const body = { ...mainBody(), messages: [{ role: 'user', content: 'SAY:plain' }] };
    expect((await replyTo(server, body)).content).toBe('plain');
    expect(server.requests[0]).toMatchObject({ lastUserText: 'SAY:plain', text: 'SAY:plain' });
  });

  it('answers the title request (no tools) outside the conversation', async () => {
    const server = await serve();
    server.push({ kind: 'say', text: 'for the main loop' });
    const title = {
      model: 'mock-model',
      stream: true,
      messages: [
        { role: 'system', content: 'You are a title generator.' },
        { role: 'user', content: 'Generate a title for this conversation:\n' },
        { role: 'user', content: 'SAY:not for the title' },
      ],
    };
    expect((await replyTo(server, title)).content).toBe('Scripted side reply.');
    expect(server.requests.at(-1)?.main).toBe(false);
    expect((await replyTo(server, mainBody(user('SAY:no')))).content).toBe('for the main loop');
  });

  it('answers a malformed body with 400 and keeps serving', async () => {
    const server = await serve();
    for (const bad of ['{"messages": [', '[1]', '{"model": "x"}']) {
      const res = await post(server, bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    }
    expect((await replyTo(server, mainBody(user('SAY:still here')))).content).toBe('still here');
  });
});

describe('chat-completions errors', () => {
  it.each<[string, number, RegExp, string | null]>([
    ['ERR:401', 401, /Incorrect API key/, null],
    ['ERR:429:7', 429, /Rate limit reached/, '7'],
    ['ERR:429', 429, /Rate limit reached/, '30'],
    ['ERR:500', 500, /server had an error/, null],
    ['ERR:503', 503, /overloaded/, null],
  ])(
    '%s: its status, an OpenAI error body and retry-after',
    async (prompt, status, words, retry) => {
      const server = await serve();
      const res = await post(server, mainBody(user(prompt)));
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBe(retry);
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      const body = (await res.json()) as { error: Json };
      expect(String(body.error.message)).toMatch(words);
      expect(body.error).toHaveProperty('type');
    },
  );

  it('FULL: a 400 whose code and message say the context is too long', async () => {
    const server = await serve();
    const res = await post(server, mainBody(user('FULL')));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Json };
    expect(body.error).toMatchObject({ code: 'context_length_exceeded' });
    expect(String(body.error.message)).toMatch(/prompt is too long/);
  });
});
