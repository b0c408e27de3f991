// The scripted Messages API stand-in over real HTTP on 127.0.0.1: the SSE Claude Code reads,
// error bodies, hangs and delays, where directives are read from, and what gets recorded.
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { directiveOf, startModelServer } from '../../src/demo/model-server.js';
import type { ModelServer, ScriptedAction } from '../../src/demo/model-server.js';
import { onCleanup, tempDir } from '../helpers/temp.js';

type Json = Record<string, unknown>;

interface SseEvent {
  event: string;
  data: Json;
}

async function serve(): Promise<ModelServer> {
  const server = await startModelServer();
  onCleanup(() => server.close());
  return server;
}

const BASH_TOOL = { name: 'Bash', input_schema: { type: 'object', required: ['command'] } };

/** A main-loop request the way Claude Code sends one: system blocks, tools, streaming. */
function mainBody(...messages: unknown[]): Json {
  const system = [{ type: 'text', text: 'You are Claude Code, scripted.' }];
  return {
    model: 'claude-test',
    max_tokens: 1000,
    stream: true,
    system,
    tools: [BASH_TOOL],
    messages,
  };
}

function user(...texts: string[]): Json {
  return { role: 'user', content: texts.map((text) => ({ type: 'text', text })) };
}

function post(server: ModelServer, body: unknown, path = '/v1/messages?beta=true') {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => ({
      event: /^event: (.*)$/m.exec(chunk)?.[1] ?? '',
      data: JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? 'null') as Json,
    }));
}

interface Streamed {
  events: SseEvent[];
  text: string;
  json: string;
  stopReason: unknown;
  block: Json;
}

/** Joins the deltas of a streamed reply as a client would. */
function assemble(events: SseEvent[]): Streamed {
  const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta);
  const pieces = (key: string): string =>
    deltas
      .map((d) => (d as Json)[key])
      .filter((v) => typeof v === 'string')
      .join('');
  const stop = events.find((e) => e.event === 'message_delta')?.data.delta as Json | undefined;
  const start = events.find((e) => e.event === 'content_block_start')?.data.content_block;
  return {
    events,
    text: pieces('text'),
    json: pieces('partial_json'),
    stopReason: stop?.stop_reason,
    block: start as Json,
  };
}

async function streamed(server: ModelServer, body: unknown): Promise<Streamed> {
  const res = await post(server, body);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  return assemble(parseSse(await res.text()));
}

async function replyText(server: ModelServer, body: unknown): Promise<string> {
  return (await streamed(server, body)).text;
}

/** 'pending' when `promise` has not settled within `ms`: a bound, not a wait for a condition. */
async function stillPending(promise: Promise<unknown>, ms = 150): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  const outcome = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return outcome === 'pending';
}

describe('directiveOf', () => {
  const fallback: ScriptedAction = { kind: 'say', text: 'the default' };
  it.each<[string, ScriptedAction | undefined]>([
    ['SAY:Hello there', { kind: 'say', text: 'Hello there' }],
    ['please BASH: ls -la \nand more', { kind: 'bash', command: 'ls -la' }],
    ['ERR:401', { kind: 'error', status: 401 }],
    ['ERR:429:1 short retry', { kind: 'error', status: 429, retryAfter: 1 }],
    ['now HANG.', { kind: 'hang' }],
    ['DELAY:250', { kind: 'delay', ms: 250, then: fallback }],
    ['DELAY:250 BASH:date', { kind: 'delay', ms: 250, then: { kind: 'bash', command: 'date' } }],
    ['BASH:echo SAY:hi', { kind: 'bash', command: 'echo SAY:hi' }],
    ['an ESSAY:about nothing', undefined],
    ['HANGAR and ERR:12 are not directives', undefined],
    ['', undefined],
  ])('%j', (text, action) => {
    expect(directiveOf(text, fallback)).toEqual(action);
  });

  it('a DELAY with no default given still ends in a reply', () => {
    expect(directiveOf('DELAY:5')).toMatchObject({ kind: 'delay', ms: 5, then: { kind: 'say' } });
  });
});

describe('model server replies', () => {
  it('streams a text reply in the event sequence Claude Code accepts', async () => {
    const server = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const reply = await streamed(server, mainBody(user('Hello there SAY:Hi from the stand-in.')));
    expect(reply.events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const { event, data } of reply.events) expect(data.type).toBe(event);
    expect(reply.text).toBe('Hi from the stand-in.');
    expect(reply.block).toEqual({ type: 'text', text: '' });
    expect(reply.stopReason).toBe('end_turn');
    const message = reply.events[0]?.data.message as Json;
    expect(message).toMatchObject({ role: 'assistant', model: 'claude-test', content: [] });
    expect(message.id).toMatch(/^msg_/);
  });

  it('even a one-character reply comes in two deltas', async () => {
    const server = await serve();
    server.push({ kind: 'say', text: 'k' });
    const reply = await streamed(server, mainBody(user('go')));
    expect(reply.events.filter((e) => e.event === 'content_block_delta')).toHaveLength(2);
    expect(reply.text).toBe('k');
  });

  it('answers a Bash tool_use whose partial_json joins to the command', async () => {
    const server = await serve();
    const command = `echo "it's done" > out.txt; cat out.txt`;
    const reply = await streamed(server, mainBody(user(`BASH:${command}`)));
    expect(reply.block).toMatchObject({ type: 'tool_use', name: 'Bash', input: {} });
    expect(reply.block.id).toMatch(/^toolu_/);
    const deltas = reply.events.filter((e) => e.event === 'content_block_delta');
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.every((e) => (e.data.delta as Json).type === 'input_json_delta')).toBe(true);
    expect(JSON.parse(reply.json)).toEqual({ command });
    expect(reply.stopReason).toBe('tool_use');
  });

  it('returns the whole message as JSON when the request does not stream', async () => {
    const server = await serve();
    server.push({ kind: 'bash', command: 'pwd' });
    const bash = (await (
      await post(server, { ...mainBody(user('x')), stream: false })
    ).json()) as Json;
    expect(bash).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'tool_use' });
    expect(bash.content).toMatchObject([
      { type: 'tool_use', name: 'Bash', input: { command: 'pwd' } },
    ]);
    const text = (await (
      await post(server, { ...mainBody(user('y')), stream: false })
    ).json()) as Json;
    expect(text).toMatchObject({
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Scripted reply #2.' }],
    });
  });

  it('gives every message and tool use its own id', async () => {
    const server = await serve();
    server.push({ kind: 'bash', command: 'a' }, { kind: 'bash', command: 'b' });
    const first = await streamed(server, mainBody(user('1')));
    const second = await streamed(server, mainBody(user('2')));
    const idOf = (s: Streamed): unknown => (s.events[0]?.data.message as Json).id;
    expect(idOf(first)).not.toBe(idOf(second));
    expect(first.block.id).not.toBe(second.block.id);
  });

  it.each<[ScriptedAction, string, string | null]>([
    [{ kind: 'error', status: 429 }, 'rate_limit_error', '30'],
    [{ kind: 'error', status: 429, retryAfter: 1 }, 'rate_limit_error', '1'],
    [{ kind: 'error', status: 401 }, 'authentication_error', null],
    [{ kind: 'error', status: 500 }, 'api_error', null],
    [{ kind: 'error', status: 529 }, 'overloaded_error', null],
  ])('answers %j with its status, error type and retry-after', async (action, type, retryAfter) => {
    const server = await serve();
    server.push(action);
    const res = await post(server, mainBody(user('hello')));
    const status = action.kind === 'error' ? action.status : 0;
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    expect(res.headers.get('x-should-retry')).toBe(status === 529 ? 'true' : null);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({
      type: 'error',
      error: { type, message: `Scripted ${status} error` },
    });
    expect(body.request_id).toMatch(/^req_/);
  });

  it('answers the ERR directive the same way', async () => {
    const server = await serve();
    const res = await post(server, mainBody(user('ERR:429:7')));
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '7']);
    expect(await res.json()).toMatchObject({ error: { type: 'rate_limit_error' } });
  });
});

describe('hangs and delays', () => {
  it('holds a HANG until release(), which answers with the default', async () => {
    const server = await serve();
    const reply = streamed(server, mainBody(user('HANG')));
    await server.waitForRequest((r) => r.lastUserText === 'HANG', 5_000);
    expect(await stillPending(reply)).toBe(true);
    server.release();
    expect((await reply).text).toBe('Scripted reply #1.');
  });

  it('cuts a hang off when the default is itself a hang, and close() ends any hang', async () => {
    const server = await serve();
    server.setDefault({ kind: 'hang' });
    const first = post(server, mainBody(user('one')));
    await server.waitForRequest((r) => r.lastUserText === 'one', 5_000);
    server.release();
    await expect(first).rejects.toThrow();
    const second = post(server, mainBody(user('two')));
    await server.waitForRequest((r) => r.lastUserText === 'two', 5_000);
    await server.close();
    await expect(second).rejects.toThrow();
  });

  it('waits a delay before acting', async () => {
    const server = await serve();
    server.push({ kind: 'delay', ms: 200, then: { kind: 'say', text: 'late' } });
    const started = Date.now();
    expect(await replyText(server, mainBody(user('x')))).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('a DELAY directive waits, then answers with the default', async () => {
    const server = await serve();
    server.setDefault({ kind: 'say', text: 'default after the wait' });
    const started = Date.now();
    expect(await replyText(server, mainBody(user('DELAY:150')))).toBe('default after the wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('close() does not wait for a pending delay', async () => {
    const server = await serve();
    server.push({ kind: 'delay', ms: 60_000, then: { kind: 'say', text: 'never' } });
    const reply = post(server, mainBody(user('x')));
    await server.waitForRequest((r) => r.main, 5_000);
    const started = Date.now();
    await server.close();
    await expect(reply).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('where directives come from', () => {
  it('reads only the last text block: a prompt after an error is merged into the same message', async () => {
    const server = await serve();
    const merged = user(
      '<system-reminder>\nBe nice.</system-reminder>\n',
      'ERR:429:1 short retry\n',
      'SAY:after the error',
    );
    expect(await replyText(server, mainBody(merged))).toBe('after the error');
    expect(server.requests.at(-1)?.lastUserText).toBe('SAY:after the error');
  });

  it('reads only the last user message', async () => {
    const server = await serve();
    const body = mainBody(
      user('SAY:old'),
      { role: 'assistant', content: 'old' },
      user('no directive here'),
    );
    expect(await replyText(server, body)).toBe('Scripted reply #1.');
  });

  it('accepts a user message whose content is a string', async () => {
    const server = await serve();
    expect(await replyText(server, mainBody({ role: 'user', content: 'SAY:plain' }))).toBe('plain');
  });

  it('finds no directive in a tool_result turn', async () => {
    const server = await serve();
    const body = mainBody(
      user('BASH:ls'),
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } }],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 't1', content: 'SAY:not me' }],
      },
    );
    expect(await replyText(server, body)).toBe('Scripted reply #1.');
    expect(server.requests.at(-1)?.lastUserText).toBe('');
    server.push({ kind: 'say', text: 'queued for the tool result' });
    expect(await replyText(server, body)).toBe('queued for the tool result');
  });

  it('takes the queue first, then a directive, then the default', async () => {
    const server = await serve();
    server.setDefault({ kind: 'say', text: 'the default' });
    server.push({ kind: 'say', text: 'queued' });
    expect(await replyText(server, mainBody(user('SAY:directive')))).toBe('queued');
    expect(await replyText(server, mainBody(user('SAY:directive')))).toBe('directive');
    expect(await replyText(server, mainBody(user('nothing')))).toBe('the default');
  });
});

describe('side requests and other endpoints', () => {
  it('fills a json_schema side request with a valid object, and leaves the queue alone', async () => {
    const server = await serve();
    server.push({ kind: 'say', text: 'for the main loop' });
    const schema = {
      type: 'object',
      properties: { title: { type: 'string' }, done: { type: 'boolean' } },
      required: ['title'],
      additionalProperties: false,
    };
    const side = {
      ...mainBody(user('Name this session')),
      tools: [],
      output_config: { format: { type: 'json_schema', schema } },
    };
    const title = JSON.parse(await replyText(server, side)) as Json;
    expect(typeof title.title).toBe('string');
    expect(title.done).toBe(false);
    expect(server.requests.at(-1)?.main).toBe(false);
    const plain = { ...mainBody(user('x')), tools: undefined };
    expect(await replyText(server, plain)).toBe('Scripted side reply.');
    expect(await replyText(server, mainBody(user('SAY:no')))).toBe('for the main loop');
  });

  it('answers count_tokens, the model list and anything else', async () => {
    const server = await serve();
    const count = await post(server, mainBody(user('hi')), '/v1/messages/count_tokens?beta=true');
    expect(((await count.json()) as Json).input_tokens).toBeGreaterThan(0);
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: Json[] };
    expect(models.data).toHaveLength(1);
    expect((await fetch(`${server.url}/`, { method: 'HEAD' })).status).toBe(200);
    const other = await fetch(`${server.url}/api/hello?x=1`);
    expect([other.status, await other.json()]).toEqual([200, {}]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/messages/count_tokens',
      'GET /v1/models',
      'HEAD /',
      'GET /api/hello',
    ]);
  });

  it('answers a malformed messages body with 400 and keeps serving', async () => {
    const server = await serve();
    for (const bad of ['{"model": "x", "messages": [', '[1, 2]', '']) {
      const res = await post(server, bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error' },
      });
    }
    expect(server.requests[0]).toMatchObject({
      body: undefined,
      main: false,
      lastUserText: '',
      text: '',
    });
    expect(await replyText(server, mainBody(user('SAY:still here')))).toBe('still here');
  });
});

describe('recorded requests', () => {
  it('record the text the model would read: system, messages and tool results', async () => {
    const server = await serve();
    const before = Date.now();
    const body = mainBody(
      user('HANDOFF-NOTE: pick up the refactor'),
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'string result' },
          {
            type: 'tool_result',
            tool_use_id: 't2',
            content: [{ type: 'text', text: 'block result' }],
          },
        ],
      },
      user('HANDOFF-NOTE: again'),
    );
    await replyText(server, body);
    const [r] = server.requests;
    expect(r).toMatchObject({ method: 'POST', path: '/v1/messages', main: true, body });
    expect(r?.at).toBeGreaterThanOrEqual(before);
    expect(r?.lastUserText).toBe('HANDOFF-NOTE: again');
    for (const part of ['You are Claude Code, scripted.', 'string result', 'block result'])
      expect(r?.text).toContain(part);
    expect(r?.text.split('HANDOFF-NOTE').length).toBe(3);
  });

  it('waitForRequest finds a past request, waits for a future one, and times out', async () => {
    const server = await serve();
    await replyText(server, mainBody(user('first')));
    expect((await server.waitForRequest((r) => r.lastUserText === 'first')).main).toBe(true);
    const future = server.waitForRequest((r) => r.lastUserText === 'second', 5_000);
    await replyText(server, mainBody(user('second')));
    expect((await future).lastUserText).toBe('second');
    await expect(server.waitForRequest((r) => r.lastUserText === 'third', 50)).rejects.toThrow(
      /no matching request within 50 ms/,
    );
  });

  it('waitForRequest rejects when the server closes', async () => {
    const server = await startModelServer();
    const waiting = server.waitForRequest(() => false, 60_000);
    await server.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

describe('model-server as a program', () => {
  it('prints where it listens and stops on SIGTERM', async () => {
    const dir = tempDir('model-server');
    const out = join(dir, 'model-server.js');
    const entry = resolve(import.meta.dirname, '../../src/demo/model-server.ts');
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const child = spawn(process.execPath, [out, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => child.kill('SIGKILL'));
    const line = await new Promise<string>((resolveLine, reject) => {
      child.stdout.setEncoding('utf8').once('data', resolveLine);
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim())?.[1];
    expect(line).toMatch(
      /^model server \(a stand-in for the Anthropic API, scripted\) listening on /,
    );
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify(mainBody(user('SAY:from the program'))),
    });
    expect(assemble(parseSse(await res.text())).text).toBe('from the program');
    const exit = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('does nothing when imported', async () => {
    const dir = tempDir('model-server');
    const out = join(dir, 'bundle.js');
    const entry = resolve(import.meta.dirname, '../../src/demo/model-server.ts');
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    // A listening server would keep this process alive past the timeout.
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(out)})`],
      {
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '', '']);
  });
});
