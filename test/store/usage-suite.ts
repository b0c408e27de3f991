// What every Store backend must do with agents' spend: entries keyed by their source counted
// once, the cursor moved with them, sums by agent and model over a time range.
import { describe, expect, it } from 'vitest';
import type { Store, UsageCursor, UsageEntry } from '../../src/store/store.js';
import type { StoreFactory } from './store-suite.js';
import { withStoreOf } from './store-suite.js';

const entry = (key: string, at: number, over: Partial<UsageEntry> = {}): UsageEntry => ({
  key,
  identity: 'alpha/crew/max',
  at,
  runtime: 'claude',
  model: 'claude-sonnet-4-5',
  conversationId: 'conv-1',
  tokens: { input: 100 + at, output: 20, cacheRead: 3, cacheWrite: 1 },
  ...over,
});

const cursor = (readTo: number, updatedAt: number, path = '/t/conv-1.jsonl'): UsageCursor => ({
  path,
  identity: 'alpha/crew/max',
  runtime: 'claude',
  conversationId: 'conv-1',
  readTo,
  state: readTo === 0 ? null : JSON.stringify({ model: 'claude-sonnet-4-5' }),
  updatedAt,
});

export function usageSuite(name: string, open: StoreFactory): void {
  const withStore = withStoreOf(open);

  describe(`${name}: usage`, () => {
    it('counts an entry read twice once, and moves the cursor with the entries', () =>
      withStore(async (store) => {
        expect(await store.getUsageCursor('/t/conv-1.jsonl')).toBeUndefined();
        expect(await store.recordUsage(cursor(500, 10), [entry('a', 1), entry('b', 2)])).toBe(2);
        expect(await store.recordUsage(cursor(900, 20), [entry('b', 2), entry('c', 3)])).toBe(1);
        expect(await store.getUsageCursor('/t/conv-1.jsonl')).toEqual(cursor(900, 20));
        const [sum, ...rest] = await store.sumUsage();
        expect(rest).toEqual([]);
        expect(sum).toEqual({
          identity: 'alpha/crew/max',
          model: 'claude-sonnet-4-5',
          runtime: 'claude',
          tokens: { input: 306, output: 60, cacheRead: 9, cacheWrite: 3 },
          replies: 3,
          lastAt: 3,
        });
      }));

    it('sums by agent and model within [since, until), for one agent when asked', () =>
      withStore(async (store) => {
        await store.recordUsage(cursor(1, 1), [
          entry('a', 10),
          entry('b', 20, { model: 'claude-haiku-4-5' }),
          entry('c', 30, { identity: 'mayor' }),
          entry('d', 40),
        ]);
        const keys = (sums: Awaited<ReturnType<Store['sumUsage']>>) =>
          sums.map((s) => `${s.identity} ${s.model} ${s.replies}`);
        expect(keys(await store.sumUsage())).toEqual([
          'alpha/crew/max claude-haiku-4-5 1',
          'alpha/crew/max claude-sonnet-4-5 2',
          'mayor claude-sonnet-4-5 1',
        ]);
        expect(keys(await store.sumUsage({ since: 20, until: 40 }))).toEqual([
          'alpha/crew/max claude-haiku-4-5 1',
          'mayor claude-sonnet-4-5 1',
        ]);
        expect(keys(await store.sumUsage({ identity: 'mayor' }))).toEqual([
          'mayor claude-sonnet-4-5 1',
        ]);
        expect(await store.sumUsage({ since: 41 })).toEqual([]);
      }));

    it('records a cursor with no entries, and lists the cursors moved since a time', () =>
      withStore(async (store) => {
        await store.recordUsage(cursor(0, 5, '/t/a.jsonl'), []);
        await store.recordUsage(cursor(7, 50, '/t/b.jsonl'), []);
        expect((await store.listUsageCursors(0)).map((c) => c.path)).toEqual([
          '/t/a.jsonl',
          '/t/b.jsonl',
        ]);
        expect(await store.listUsageCursors(6)).toEqual([cursor(7, 50, '/t/b.jsonl')]);
      }));

    it('keeps the day a person let an agent go past its budget', () =>
      withStore(async (store) => {
        await store.patchAgent('mayor', { budgetClearedAt: 1234 });
        expect((await store.getAgent('mayor'))?.budgetClearedAt).toBe(1234);
        expect((await store.patchAgent('deacon', {})).budgetClearedAt).toBeNull();
      }));
  });
}
