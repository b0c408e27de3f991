// Prices as data, sums grouped and priced, budgets read from settings and decided: table tests.
import { describe, expect, it } from 'vitest';
import { decideBudget } from '../../src/agents/failures/budget.js';
import { costOf, priceOf } from '../../src/spend/prices.js';
import { againstBudget, dayStart, spendBy, totalOf } from '../../src/spend/summary.js';
import type { UsageSum } from '../../src/store/store.js';
import { parseBudget } from '../../src/town/settings-spend.js';

const sum = (identity: string, model: string, input: number, output = 0): UsageSum => ({
  identity,
  model,
  runtime: 'claude',
  tokens: { input, output, cacheRead: 0, cacheWrite: 0 },
  replies: 1,
  lastAt: 5,
});

describe('prices', () => {
  it('by the longest listed name a model starts with; the town’s own first; none guessed', () => {
    expect(priceOf('claude-sonnet-4-5-20250929')).toMatchObject({ input: 3, output: 15 });
    expect(priceOf('gpt-5-mini-2025-08-07')?.input).toBe(0.25);
    expect(priceOf('gpt-5')?.input).toBe(1.25);
    expect(priceOf('models/gemini-2.5-flash-lite')?.input).toBe(0.1);
    expect(priceOf('scripted-model')).toBeUndefined();
    const own = {
      'scripted-model': { input: 2, output: 4 },
      'claude-sonnet-4': { input: 1, output: 1 },
    };
    // Cache kinds not named cost what input costs.
    expect(priceOf('scripted-model', own)).toEqual({
      input: 2,
      output: 4,
      cacheRead: 2,
      cacheWrite: 2,
    });
    expect(priceOf('claude-sonnet-4-5', own)?.input).toBe(1);
  });

  it('dollars per million tokens of each kind', () => {
    const tokens = { input: 1_000_000, output: 100_000, cacheRead: 2_000_000, cacheWrite: 0 };
    expect(costOf(tokens, priceOf('claude-sonnet-4-5'))).toBeCloseTo(3 + 1.5 + 0.6, 10);
    expect(costOf(tokens, undefined)).toBeUndefined();
  });
});

describe('spend grouped', () => {
  const sums = [
    sum('alpha/crew/max', 'claude-sonnet-4-5', 1_000_000),
    sum('alpha/crew/max', 'mystery-1', 500),
    sum('alpha/witness', 'claude-haiku-4-5', 1_000_000),
    sum('mayor', 'claude-sonnet-4-5', 0, 1_000_000),
  ];

  it('by agent: the costliest first; an unpriced model counted but named, not priced', () => {
    const lines = spendBy(sums, 'agent');
    expect(lines.map((l) => [l.key, l.cost, l.unpriced, l.total])).toEqual([
      ['mayor', 15, [], 1_000_000],
      ['alpha/crew/max', 3, ['mystery-1'], 1_000_500],
      ['alpha/witness', 1, [], 1_000_000],
    ]);
    expect(totalOf(lines)).toMatchObject({
      cost: 19,
      total: 3_000_500,
      unpriced: ['mystery-1'],
      replies: 4,
    });
  });

  it('by rig, role and model', () => {
    expect(spendBy(sums, 'rig').map((l) => l.key)).toEqual(['(town)', 'alpha']);
    expect(spendBy(sums, 'role').map((l) => [l.key, l.cost])).toEqual([
      ['mayor', 15],
      ['crew', 3],
      ['witness', 1],
    ]);
    expect(spendBy(sums, 'model').map((l) => l.key)).toEqual([
      'claude-sonnet-4-5',
      'claude-haiku-4-5',
      'mystery-1',
    ]);
  });
});

describe('budgets', () => {
  it('reads dollars or tokens a day, and refuses anything else', () => {
    expect(parseBudget('$5')).toEqual({ dollars: 5 });
    expect(parseBudget(' $12.50 ')).toEqual({ dollars: 12.5 });
    expect(parseBudget('2M tokens')).toEqual({ tokens: 2_000_000 });
    expect(parseBudget('1.5k tokens')).toEqual({ tokens: 1500 });
    expect(parseBudget('150000 tokens')).toEqual({ tokens: 150_000 });
    for (const bad of ['5', '$', '$5.123', '-$5', '0 tokens', '2X tokens', 'tokens', '$5/day'])
      expect(parseBudget(bad), bad).toBeUndefined();
  });

  it('is reached at the limit, in its own unit', () => {
    const [line] = spendBy([sum('mayor', 'claude-sonnet-4-5', 1_000_000)], 'agent');
    if (line === undefined) throw new Error('no line');
    expect(againstBudget(line, { dollars: 3 })).toEqual({ spent: 3, over: true });
    expect(againstBudget(line, { dollars: 3.01 }).over).toBe(false);
    expect(againstBudget(line, { tokens: 1_000_001 })).toEqual({ spent: 1_000_000, over: false });
  });

  const day = dayStart(Date.parse('2026-12-06T15:00:00'));
  const cases: Array<[string, Parameters<typeof decideBudget>[0], boolean | undefined, string]> = [
    ['under it', { failureKind: null, failureSince: null, budgetClearedAt: null }, false, 'none'],
    [
      'over it: held',
      { failureKind: null, failureSince: null, budgetClearedAt: null },
      true,
      'hold',
    ],
    [
      'over it, paused on a rate limit: held',
      { failureKind: 'rate_limited', failureSince: 1, budgetClearedAt: null },
      true,
      'hold',
    ],
    [
      'over it, held on its credentials: that hold stands',
      { failureKind: 'auth', failureSince: 1, budgetClearedAt: null },
      true,
      'none',
    ],
    [
      'over it, cleared by a person today',
      { failureKind: null, failureSince: null, budgetClearedAt: day + 5 },
      true,
      'none',
    ],
    [
      'over it, cleared yesterday',
      { failureKind: null, failureSince: null, budgetClearedAt: day - 5 },
      true,
      'hold',
    ],
    [
      'held today, still over',
      { failureKind: 'budget', failureSince: day + 1, budgetClearedAt: null },
      true,
      'none',
    ],
    [
      'held yesterday: a new day',
      { failureKind: 'budget', failureSince: day - 1, budgetClearedAt: null },
      true,
      'lift',
    ],
    [
      'held, the budget raised',
      { failureKind: 'budget', failureSince: day + 1, budgetClearedAt: null },
      false,
      'lift',
    ],
    [
      'held, the budget taken away',
      { failureKind: 'budget', failureSince: day + 1, budgetClearedAt: null },
      undefined,
      'lift',
    ],
    [
      'no budget',
      { failureKind: null, failureSince: null, budgetClearedAt: null },
      undefined,
      'none',
    ],
  ];
  it.each(cases)('%s', (_name, record, over, step) => {
    expect(decideBudget(record, over, day)).toBe(step);
  });

  it('a day starts at local midnight', () => {
    const start = dayStart(Date.parse('2026-12-06T15:00:00'));
    expect(new Date(start).getHours()).toBe(0);
    expect(dayStart(start)).toBe(start);
    expect(dayStart(start - 1)).toBe(start - 86_400_000);
  });
});
