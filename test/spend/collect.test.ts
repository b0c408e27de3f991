// Reading a runtime's file a little at a time into a real SQLite store: only complete lines,
// only what is new, nothing counted twice when read again, a replaced file from its start.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageSource } from '../../src/spend/collect.js';
import { collectSource } from '../../src/spend/collect.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { onCleanup, tempDir } from '../helpers/temp.js';

const reply = (n: number, input = 100 + n): string =>
  JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2026, 11, 6, 12, 0, n)).toISOString(),
    requestId: `req_${n}`,
    message: {
      id: `msg_${n}`,
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: input, output_tokens: 20, cache_read_input_tokens: n },
    },
  }) + '\n';

function setup(): { store: Store; src: UsageSource } {
  const dir = tempDir('spend');
  mkdirSync(join(dir, '.gt'));
  const store = SqliteStore.open(join(dir, '.gt', 'town.db'));
  onCleanup(() => store.close());
  const src = {
    path: join(dir, 'conv.jsonl'),
    identity: 'alpha/crew/max',
    runtime: 'claude',
    conversationId: 'conv',
  };
  return { store, src };
}

const inputs = async (store: Store): Promise<number> =>
  (await store.sumUsage()).reduce((n, s) => n + s.tokens.input, 0);

describe('collecting usage from a runtime file', () => {
  it('reads only complete lines, then only what was added since', async () => {
    const { store, src } = setup();
    expect(await collectSource(store, src, 1)).toBe(0); // no file yet
    const half = reply(2).slice(0, 40);
    writeFileSync(src.path, reply(1) + half);
    expect(await collectSource(store, src, 2)).toBe(1);
    expect((await store.getUsageCursor(src.path))?.readTo).toBe(Buffer.byteLength(reply(1)));
    appendFileSync(src.path, reply(2).slice(40) + reply(3));
    expect(await collectSource(store, src, 3)).toBe(2);
    expect(await collectSource(store, src, 4)).toBe(0);
    expect(await inputs(store)).toBe(101 + 102 + 103);
    const [sum] = await store.sumUsage();
    expect(sum).toMatchObject({ replies: 3, identity: 'alpha/crew/max', runtime: 'claude' });
  });

  it('a reply read again (the cursor lost with a daemon killed before it moved) counts once', async () => {
    const { store, src } = setup();
    writeFileSync(src.path, reply(1) + reply(2));
    await collectSource(store, src, 1);
    // As if the cursor had never been written: the whole file is read again.
    await store.recordUsage({ ...src, readTo: 0, state: null, updatedAt: 2 }, []);
    expect(await collectSource(store, src, 3)).toBe(0);
    expect(await inputs(store)).toBe(203);
  });

  it('a file shorter than what was read is a new file: read from its start', async () => {
    const { store, src } = setup();
    writeFileSync(src.path, reply(1) + reply(2));
    await collectSource(store, src, 1);
    writeFileSync(src.path, reply(7));
    expect(await collectSource(store, src, 2)).toBe(1);
    expect(await inputs(store)).toBe(101 + 102 + 107);
  });

  it('a runtime without a reader, or a folder where the file should be, is nothing to read', async () => {
    const { store, src } = setup();
    writeFileSync(src.path, reply(1));
    expect(await collectSource(store, { ...src, runtime: 'opencode' }, 1)).toBe(0);
    mkdirSync(`${src.path}.d`);
    expect(await collectSource(store, { ...src, path: `${src.path}.d` }, 1)).toBe(0);
    expect(await store.getUsageCursor(src.path)).toBeUndefined();
  });

  it('carries a reader’s state (the Codex model) from one read to the next', async () => {
    const { store, src } = setup();
    const codex = { ...src, runtime: 'codex' };
    const usage = (total: number) =>
      JSON.stringify({
        type: 'event_msg',
        payload: {
          type: 'token_count',
          info: {
            total_token_usage: { total_tokens: total },
            last_token_usage: { input_tokens: 50, cached_input_tokens: 5, output_tokens: 9 },
          },
        },
      }) + '\n';
    writeFileSync(
      src.path,
      `${JSON.stringify({ type: 'turn_context', payload: { model: 'gpt-5' } })}\n`,
    );
    await collectSource(store, codex, 1);
    appendFileSync(src.path, usage(64) + usage(64));
    expect(await collectSource(store, codex, 2)).toBe(1);
    expect(await store.sumUsage()).toMatchObject([
      { model: 'gpt-5', tokens: { input: 45, output: 9, cacheRead: 5, cacheWrite: 0 } },
    ]);
  });
});
