// The scripted model server speaking the Gemini API as Gemini CLI 0.61.0 does (request shapes
// recorded from it): the conversation streamed, side requests answered in the JSON their schema
// asks for and never counted, prompts read without the context Gemini CLI adds, errors shaped
// as the API shapes them.
import { describe, expect, it } from 'vitest';
import { startModelServer } from '../../src/demo/model-server.js';
import type { ModelServer } from '../../src/demo/model-server.js';
import { INPUT_TOO_LONG, lastPromptOf, sampleOf } from '../../src/demo/dialects/gemini.js';
import { onCleanup } from '../helpers/temp.js';

type Json = Record<string, unknown>;

const STREAM = '/v1beta/models/gemini-3.8-flash:streamGenerateContent?alt=sse';
const GENERATE = '/v1beta/models/gemini-3.5-flash-lite:generateContent';

async function serve(): Promise<ModelServer> {
  const server = await startModelServer();
  onCleanup(() => server.close());
  return server;
}

function post(server: ModelServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'AIza-test' },
    body: JSON.stringify(body),
  });
}

const user = (...texts: string[]): Json => ({
  role: 'user',
  parts: texts.map((text) => ({ text })),
});
const SESSION =
  '<session_context>\nThis is the Gemini CLI. HANG in a file name\n</session_context>';

/** A conversation request as Gemini CLI sends one: its tools, its context beside the prompt. */
function mainBody(...contents: Json[]): Json {
  return {
    contents,
    systemInstruction: { role: 'user', parts: [{ text: 'You are Gemini CLI, scripted.' }] },
    tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }],
    generationConfig: { temperature: 1 },
  };
}

/** The data of each server-sent event. */
async function chunks(res: Response): Promise<Json[]> {
  const text = await res.text();
  return [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? 'null') as Json);
}

function partsOf(chunk: Json | undefined): Json[] {
  const candidates = (chunk?.candidates ?? []) as Array<{ content: { parts: Json[] } }>;
  return candidates[0]?.content.parts ?? [];
}

describe('the Gemini dialect', () => {
  it('streams a reply chunk, and a shell command as a run_shell_command call', async () => {
    const server = await serve();
    server.push({ kind: 'bash', command: 'gt handoff -m done' });
    const call = await post(server, STREAM, mainBody(user(SESSION, 'hand off now')));
    expect(call.headers.get('content-type')).toBe('text/event-stream');
    const [chunk] = await chunks(call);
    expect(partsOf(chunk)).toEqual([
      {
        functionCall: {
          id: expect.any(String) as string,
          name: 'run_shell_command',
          args: { command: 'gt handoff -m done' },
        },
      },
    ]);
    expect((chunk?.candidates as Json[])[0]).toMatchObject({ finishReason: 'STOP' });
    const said = await post(server, STREAM, mainBody(user('SAY:hello there')));
    expect(partsOf((await chunks(said))[0])).toEqual([{ text: 'hello there' }]);
  });

  it('reads the prompt without Gemini CLI’s own context, and everything the model reads', async () => {
    const server = await serve();
    const hook = '<hook_context>&lt;system-reminder&gt; SAY:from the mail</hook_context>';
    const body = mainBody(
      user(SESSION, 'first SAY:one'),
      { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: {} } }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'OUT-7' } } }],
      },
    );
    await post(server, STREAM, body);
    await post(server, STREAM, mainBody(user(SESSION, 'second prompt', hook)));
    const [afterTool, second] = server.requests;
    expect(afterTool).toMatchObject({ main: true, lastUserText: '' });
    expect(afterTool?.text).toContain('OUT-7');
    expect(afterTool?.text).toContain('You are Gemini CLI, scripted.');
    expect(second?.lastUserText).toBe('second prompt');
    expect(second?.text).toContain('SAY:from the mail');
    expect(lastPromptOf(mainBody(user(SESSION, 'HANG here')))).toBe('HANG here');
  });

  it('answers side requests in the JSON their schema asks for, never as the conversation', async () => {
    const server = await serve();
    server.push({ kind: 'say', text: 'for the conversation only' });
    const router = {
      contents: [user('route this')],
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'object',
          properties: {
            reasoning: { type: 'string' },
            model_choice: { type: 'string', enum: ['flash', 'pro'] },
          },
        },
      },
    };
    const res = await post(server, GENERATE, router);
    const reply = JSON.parse(String(partsOf((await res.json()) as Json)[0]?.text)) as Json;
    expect(reply).toEqual({ reasoning: expect.any(String) as string, model_choice: 'flash' });
    const summary = await post(server, GENERATE, { contents: [user('summarise')] });
    expect(partsOf((await summary.json()) as Json)[0]?.text).toEqual(expect.any(String));
    expect(server.requests.map((r) => r.main)).toEqual([false, false]);
    const main = await post(server, STREAM, mainBody(user('hi')));
    expect(partsOf((await chunks(main))[0])).toEqual([{ text: 'for the conversation only' }]);
  });

  it('fills schemas so the checks that read them go on: the user speaks next, scores in range', () => {
    const nextSpeaker = {
      type: 'object',
      properties: { reasoning: { type: 'string' }, next_speaker: { enum: ['model', 'user'] } },
    };
    expect(sampleOf(nextSpeaker)).toMatchObject({ next_speaker: 'user' });
    const score = { type: 'OBJECT', properties: { complexity_score: { type: 'INTEGER' } } };
    expect(sampleOf(score)).toEqual({ complexity_score: 1 });
  });

  it('shapes errors as the API does: a status word, a 429’s retry delay, a window too small', async () => {
    const server = await serve();
    server.push(
      { kind: 'error', status: 401 },
      { kind: 'error', status: 429, retryAfter: 7 },
      { kind: 'error', status: 503 },
    );
    const denied = await post(server, STREAM, mainBody(user('a')));
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({
      error: { code: 401, message: expect.any(String) as string, status: 'UNAUTHENTICATED' },
    });
    const limited = await post(server, STREAM, mainBody(user('b')));
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as { error: Json }).error).toMatchObject({
      status: 'RESOURCE_EXHAUSTED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
    });
    const busy = await post(server, STREAM, mainBody(user('c')));
    expect(((await busy.json()) as { error: Json }).error).toMatchObject({
      code: 503,
      status: 'UNAVAILABLE',
    });
    const full = await post(server, STREAM, mainBody(user('FULL of context')));
    expect(((await full.json()) as { error: Json }).error).toMatchObject({
      code: 400,
      message: INPUT_TOO_LONG,
    });
    const broken = await post(server, STREAM, { no: 'contents' });
    expect(broken.status).toBe(400);
  });

  it('counts tokens, never as the conversation', async () => {
    const server = await serve();
    const count = await post(server, '/v1beta/models/gemini-3.8-flash:countTokens', {
      contents: [user('twelve chars')],
    });
    expect(((await count.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    expect(server.requests.every((r) => !r.main)).toBe(true);
  });
});
