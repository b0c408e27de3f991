// Each runtime's usage records, in the shapes the real CLIs write them (trimmed lines taken from
// Claude Code 2.1, Codex 0.171, Gemini CLI 0.61 and Pi 0.73 run against the scripted server).
import { describe, expect, it } from 'vitest';
import type { LineContext, ReadEntry, UsageReader } from '../../src/spend/readers.js';
import { readerFor } from '../../src/spend/readers.js';

const NOW = Date.parse('2026-12-06T16:00:00Z');

/** Every entry the reader makes of the lines, offsets counted as in a file. */
function readAll(reader: UsageReader, lines: string[], path = 'f.jsonl'): ReadEntry[] {
  const state = {};
  let offset = 0;
  const out: ReadEntry[] = [];
  for (const line of lines) {
    const ctx: LineContext = { path, offset, state, now: NOW };
    out.push(...(reader.line(line, ctx) ?? []));
    offset += Buffer.byteLength(line) + 1;
  }
  return out;
}

const reader = (runtime: string): UsageReader => {
  const r = readerFor(runtime);
  if (r === undefined) throw new Error(`no reader for ${runtime}`);
  return r;
};

const claudeLine = (id: string, block: number, usage: object, extra: object = {}): string =>
  JSON.stringify({
    type: 'assistant',
    timestamp: '2026-12-06T15:38:15.450Z',
    requestId: `req_${id}`,
    apiBlockIndex: block,
    message: { id, model: 'claude-opus-5-5', role: 'assistant', content: [], usage },
    ...extra,
  });

describe('Claude Code transcripts', () => {
  const usage = {
    input_tokens: 101,
    cache_creation_input_tokens: 4,
    cache_read_input_tokens: 10,
    output_tokens: 21,
    service_tier: 'standard',
  };

  it('one entry per reply, though a reply of two blocks is written on two lines', () => {
    const lines = [
      JSON.stringify({ type: 'user', message: { role: 'user', content: 'hi' } }),
      claudeLine('msg_1', 0, usage),
      claudeLine('msg_1', 1, usage),
      claudeLine('msg_2', 0, { ...usage, input_tokens: 7, cache_creation_input_tokens: 0 }),
    ];
    const got = readAll(reader('claude'), lines);
    // The same key twice: the store keeps the first (keys are its unique column).
    expect(got.map((e) => e.key)).toEqual([
      'claude:msg_1:req_msg_1',
      'claude:msg_1:req_msg_1',
      'claude:msg_2:req_msg_2',
    ]);
    expect(got[0]).toEqual({
      key: 'claude:msg_1:req_msg_1',
      at: Date.parse('2026-12-06T15:38:15.450Z'),
      model: 'claude-opus-5-5',
      tokens: { input: 101, output: 21, cacheRead: 10, cacheWrite: 4 },
    });
  });

  it('skips what spent nothing or is not a reply: synthetic messages, torn lines, junk', () => {
    const synthetic = JSON.stringify({
      type: 'assistant',
      message: { id: 'x', model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 } },
    });
    const lines = [
      synthetic,
      claudeLine('msg_3', 0, usage).slice(0, 80),
      '{"usage": 5}',
      claudeLine('msg_4', 0, { input_tokens: -5, output_tokens: 'many' }),
      '',
    ];
    expect(readAll(reader('claude'), lines)).toEqual([]);
  });
});

describe('Codex rollouts', () => {
  const turn = (model: string) =>
    JSON.stringify({ timestamp: 't', type: 'turn_context', payload: { model, cwd: '/w' } });
  const tokenCount = (last: object, total: number) =>
    JSON.stringify({
      timestamp: '2026-12-06T15:38:30.324Z',
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: { total_token_usage: { total_tokens: total }, last_token_usage: last },
      },
    });
  const last = {
    input_tokens: 111,
    cached_input_tokens: 10,
    cache_write_input_tokens: 0,
    output_tokens: 21,
    reasoning_output_tokens: 0,
  };

  it('each request once, input without its cached part, the model from the turn', () => {
    const lines = [
      turn('gpt-5-codex'),
      tokenCount(last, 132),
      tokenCount(last, 132), // the same total again (new rate limits): nothing more spent
      JSON.stringify({ type: 'event_msg', payload: { type: 'token_count', info: null } }),
      turn('gpt-5-mini'),
      tokenCount({ ...last, input_tokens: 103, cached_input_tokens: 0, output_tokens: 23 }, 258),
    ];
    const got = readAll(reader('codex'), lines, 'rollout.jsonl');
    expect(got.map((e) => [e.model, e.tokens])).toEqual([
      ['gpt-5-codex', { input: 101, output: 21, cacheRead: 10, cacheWrite: 0 }],
      ['gpt-5-mini', { input: 103, output: 23, cacheRead: 0, cacheWrite: 0 }],
    ]);
    expect(new Set(got.map((e) => e.key)).size).toBe(2);
    expect(got[0]?.key).toMatch(/^codex:rollout\.jsonl:\d+$/);
  });

  it('a usage before any turn context is of an unknown model', () => {
    expect(readAll(reader('codex'), [tokenCount(last, 5)])[0]?.model).toBe('unknown');
  });
});

describe('Gemini CLI chat logs', () => {
  const message = (id: string, extra: object = {}) =>
    JSON.stringify({
      id,
      timestamp: '2026-12-06T15:38:52.096Z',
      type: 'gemini',
      content: '',
      tokens: { input: 122, output: 22, cached: 20, thoughts: 3, tool: 1, total: 148 },
      model: 'gemini-2.5-pro',
      ...extra,
    });

  it('a message written again with its tool calls is one reply; thoughts are output', () => {
    const lines = [
      JSON.stringify({ sessionId: 's', kind: 'main' }),
      JSON.stringify({ id: 'u1', type: 'user', content: [{ text: 'hi' }] }),
      message('52f1'),
      message('52f1', { toolCalls: [{ id: 'c', name: 'run_shell_command' }] }),
      JSON.stringify({ $set: { lastUpdated: 'x' } }),
    ];
    const got = readAll(reader('gemini'), lines);
    expect(new Set(got.map((e) => e.key))).toEqual(new Set(['gemini:52f1']));
    expect(got[0]?.tokens).toEqual({ input: 103, output: 25, cacheRead: 20, cacheWrite: 0 });
    expect(got[0]?.model).toBe('gemini-2.5-pro');
  });
});

describe('Pi session files', () => {
  it('each assistant message by its response id; a message without one by its entry', () => {
    const line = (id: string, responseId?: string) =>
      JSON.stringify({
        type: 'message',
        id,
        timestamp: '2026-12-06T15:39:08.622Z',
        message: {
          role: 'assistant',
          model: 'scripted-model',
          usage: { input: 101, output: 21, cacheRead: 10, cacheWrite: 0, totalTokens: 132 },
          timestamp: 1796571548553,
          ...(responseId === undefined ? {} : { responseId }),
        },
      });
    const got = readAll(reader('pi'), [line('0b9d', 'chatcmpl-1'), line('76ab')], 's.jsonl');
    expect(got.map((e) => e.key)).toEqual(['pi:chatcmpl-1', 'pi:s.jsonl:76ab']);
    expect(got[0]).toMatchObject({
      at: 1796571548553,
      tokens: { input: 101, output: 21, cacheRead: 10, cacheWrite: 0 },
    });
  });
});

describe('runtimes without a reader', () => {
  it('OpenCode (its usage is in its database) and any other have none', () => {
    expect(readerFor('opencode')).toBeUndefined();
    expect(readerFor('shell')).toBeUndefined();
  });
});
