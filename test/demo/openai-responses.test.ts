// The scripted server speaking the OpenAI Responses API, as Codex reads it: streamed output
// items then response.completed, a shell command as a call to exec_command, errors with their
// status and body, the task-title side request kept out of the conversation.
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

const TOOLS = [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }];

const message = (role: string, text: string): Json => ({
  type: 'message',
  role,
  content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text }],
});

/** A main request the way Codex sends one: developer and context messages, tools, streaming. */
function mainBody(...items: Json[]): Json {
  return {
    model: 'scripted-model',
    stream: true,
    tools: TOOLS,
    input: [
      message('developer', 'You are a coding agent running in the Codex CLI.'),
      message('user', '<environment_context>\n  <cwd>/w</cwd>\n</environment_context>'),
      ...items,
    ],
  };
}

function post(server: ModelServer, body: unknown): Promise<Response> {
  return fetch(`${server.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The events of a stream: each `data` JSON, its `event:` line checked against its type. */
async function events(res: Response): Promise<Json[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  return (await res.text())
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? 'null') as Json;
      expect(/^event: (.*)$/m.exec(chunk)?.[1]).toBe(data.type);
      return data;
    });
}

/** The finished output item of a stream. */
async function itemOf(server: ModelServer, body: unknown): Promise<Json> {
  const all = await events(await post(server, body));
  return all.find((e) => e.type === 'response.output_item.done')?.item as Json;
}

const textOf = (item: Json): string =>
  (item.content as Array<{ text: string }>).map((c) => c.text).join('');

describe('Responses API replies', () => {
  it('streams a message item, then response.completed', async () => {
    const server = await serve();
    const all = await events(await post(server, mainBody(message('user', 'hi SAY:Hello there.'))));
    expect(all.map((e) => e.type)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(all.map((e) => e.sequence_number)).toEqual([0, 1, 2, 3, 4, 5]);
    const item = all[4]?.item as Json;
    expect(item).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(textOf(item)).toBe('Hello there.');
    expect(all[3]?.delta).toBe('Hello there.');
    const done = all[5]?.response as Json;
    expect(done).toMatchObject({ status: 'completed', model: 'scripted-model', output: [item] });
    expect(done.id).toMatch(/^resp_/);
    const spent = server.requests.at(-1)?.usage;
    expect(spent).toBeDefined();
    expect(done.usage).toMatchObject({
      input_tokens: (spent?.input ?? 0) + (spent?.cacheRead ?? 0),
      input_tokens_details: { cached_tokens: spent?.cacheRead },
      output_tokens: spent?.output,
    });
  });

  it('runs a shell command as a call to exec_command with {cmd}', async () => {
    const server = await serve();
    const command = `echo "it's done" > out.txt; cat out.txt`;
    const item = await itemOf(server, mainBody(message('user', `BASH:${command}`)));
    expect(item).toMatchObject({ type: 'function_call', name: 'exec_command' });
    expect(item.call_id).toMatch(/^call_/);
    expect(JSON.parse(String(item.arguments))).toEqual({ cmd: command });
  });

  it('answers a request that does not stream with the whole response', async () => {
    const server = await serve();
    server.push({ kind: 'bash', command: 'pwd' });
    const body = { ...mainBody(message('user', 'x')), stream: false };
    const res = (await (await post(server, body)).json()) as Json;
    expect(res).toMatchObject({ object: 'response', status: 'completed' });
    expect(res.output).toMatchObject([{ type: 'function_call', name: 'exec_command' }]);
  });

  it('gives every response and call its own id', async () => {
    const server = await serve();
    server.push({ kind: 'bash', command: 'a' }, { kind: 'bash', command: 'b' });
    const first = await itemOf(server, mainBody(message('user', '1')));
    const second = await itemOf(server, mainBody(message('user', '2')));
    expect(first.call_id).not.toBe(second.call_id);
    expect(first.id).not.toBe(second.id);
  });
});

describe('what a Responses request asks', () => {
  it('the newest prompt is the last user message, past the hooks’ developer context after it', async () => {
    const server = await serve();
    const body = mainBody(
      message('user', 'SAY:old'),
      message('assistant', 'old'),
      message('user', 'the prompt SAY:new'),
      message('developer', 'context a UserPromptSubmit hook printed'),
    );
    expect(textOf(await itemOf(server, body))).toBe('new');
    expect(server.requests.at(-1)).toMatchObject({
      main: true,
      lastUserText: 'the prompt SAY:new',
    });
  });

  it('a request ending in a tool’s output carries no prompt: the directive is not done twice', async () => {
    const server = await serve();
    const body = mainBody(
      message('user', 'BASH:ls'),
      { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'c1', output: 'Output:\nfile.txt SAY:not me' },
    );
    expect(textOf(await itemOf(server, body))).toBe('Scripted reply #1.');
    const [r] = server.requests;
    expect(r?.lastUserText).toBe('');
    for (const part of ['You are a coding agent', 'environment_context', 'BASH:ls', 'file.txt'])
      expect(r?.text).toContain(part);
  });

  it('takes instructions and a plain string input too', async () => {
    const server = await serve();
    const body = { model: 'm', instructions: 'Be brief.', input: 'SAY:plain', tools: TOOLS };
    const res = (await (await post(server, body)).json()) as { output: Json[] };
    expect(textOf(res.output[0] ?? {})).toBe('plain');
    expect(server.requests[0]).toMatchObject({ lastUserText: 'SAY:plain', main: true });
    expect(server.requests[0]?.text).toBe('Be brief.\nSAY:plain');
  });

  it('answers the task-title side request with JSON of its schema, outside the conversation', async () => {
    const server = await serve();
    server.push({ kind: 'say', text: 'for the main loop' });
    const schema = {
      type: 'object',
      properties: { title: { type: 'string', minLength: 1, maxLength: 36 } },
      required: ['title'],
      additionalProperties: false,
    };
    const side = {
      ...mainBody(message('user', 'Generate a concise, single-line task title')),
      tools: [],
      text: { format: { type: 'json_schema', strict: true, schema, name: 'codex_output_schema' } },
    };
    const title = JSON.parse(textOf(await itemOf(server, side))) as Json;
    expect(typeof title.title).toBe('string');
    expect(server.requests.at(-1)?.main).toBe(false);
    expect(textOf(await itemOf(server, mainBody(message('user', 'SAY:no'))))).toBe(
      'for the main loop',
    );
  });

  it('answers a malformed body with 400 and keeps serving', async () => {
    const server = await serve();
    for (const bad of ['{"input": [', '[1]', '{"model": "x"}']) {
      const res = await post(server, bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    }
    expect(textOf(await itemOf(server, mainBody(message('user', 'SAY:still here'))))).toBe(
      'still here',
    );
  });
});

describe('Responses API errors', () => {
  it.each<[string, number, string, string | null]>([
    ['ERR:401', 401, 'invalid_api_key', null],
    ['ERR:429:7', 429, 'rate_limit_exceeded', '7'],
    ['ERR:429', 429, 'rate_limit_exceeded', '30'],
    ['ERR:500', 500, 'server_error', null],
    ['ERR:503', 503, 'server_error', null],
  ])(
    '%s: its status, an OpenAI error body and retry-after',
    async (prompt, status, kind, retry) => {
      const server = await serve();
      const res = await post(server, mainBody(message('user', prompt)));
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBe(retry);
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      const body = (await res.json()) as { error: Json };
      expect([body.error.code, body.error.type]).toContain(kind);
      expect(typeof body.error.message).toBe('string');
    },
  );

  it('FULL: the stream fails with context_length_exceeded, as the API reports a full context', async () => {
    const server = await serve();
    const all = await events(await post(server, mainBody(message('user', 'FULL'))));
    expect(all.map((e) => e.type)).toEqual(['response.created', 'response.failed']);
    expect((all[1]?.response as Json).error).toMatchObject({ code: 'context_length_exceeded' });
  });
});
