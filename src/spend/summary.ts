// What spend adds up to: the store's sums by agent and model, priced, then grouped as a reader
// asks (by agent, rig, role, model or conversation). A group with a model nobody priced has its
// tokens counted and its cost marked incomplete, never guessed. Pure, over plain data.
import type { Tokens, UsageSum } from '../store/store.js';
import { parseIdentity } from '../town/identity.js';
import type { PriceSetting } from '../town/settings-spend.js';
import type { Budget } from '../town/settings-spend.js';
import { addTokens, costOf, NO_TOKENS, priceOf, totalTokens } from './prices.js';

export const GROUPINGS = ['agent', 'rig', 'role', 'model'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface SpendLine {
  /** What the line is of: an address, a rig, a role or a model. */
  key: string;
  tokens: Tokens;
  total: number;
  /** Dollars for the priced part. */
  cost: number;
  /** Models without a price, whose tokens are in `tokens` but not in `cost`. */
  unpriced: string[];
  replies: number;
  lastAt: number;
}

function keyOf(sum: UsageSum, by: Grouping): string {
  if (by === 'agent') return sum.identity;
  if (by === 'model') return sum.model;
  try {
    const id = parseIdentity(sum.identity);
    if (by === 'role') return id.role;
    return 'rig' in id ? id.rig : '(town)';
  } catch {
    return '(unknown)';
  }
}

/** The sums grouped and priced, the costliest first (then by name). */
export function spendBy(
  sums: readonly UsageSum[],
  by: Grouping,
  prices: Readonly<Record<string, PriceSetting>> = {},
): SpendLine[] {
  const lines = new Map<string, SpendLine>();
  for (const s of sums) {
    const key = keyOf(s, by);
    const line = lines.get(key) ?? {
      key,
      tokens: NO_TOKENS,
      total: 0,
      cost: 0,
      unpriced: [],
      replies: 0,
      lastAt: 0,
    };
    line.tokens = addTokens(line.tokens, s.tokens);
    line.total = totalTokens(line.tokens);
    const cost = costOf(s.tokens, priceOf(s.model, prices));
    if (cost === undefined) {
      if (!line.unpriced.includes(s.model)) line.unpriced.push(s.model);
    } else line.cost += cost;
    line.replies += s.replies;
    line.lastAt = Math.max(line.lastAt, s.lastAt);
    lines.set(key, line);
  }
  return [...lines.values()].sort((a, b) => b.cost - a.cost || (a.key < b.key ? -1 : 1));
}

/** The whole of some lines. */
export function totalOf(lines: readonly SpendLine[]): SpendLine {
  const unpriced = [...new Set(lines.flatMap((l) => l.unpriced))];
  const tokens = lines.reduce((t, l) => addTokens(t, l.tokens), NO_TOKENS);
  return {
    key: 'total',
    tokens,
    total: totalTokens(tokens),
    cost: lines.reduce((c, l) => c + l.cost, 0),
    unpriced,
    replies: lines.reduce((n, l) => n + l.replies, 0),
    lastAt: Math.max(0, ...lines.map((l) => l.lastAt)),
  };
}

/** Dollars as people read them: cents, or a tenth of a cent below a dollar. */
export function dollars(cost: number): string {
  return cost < 1 && cost > 0 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

/** How far into a budget a spend is: the amount spent in the budget's unit, and whether past it. */
export function againstBudget(line: SpendLine, budget: Budget): { spent: number; over: boolean } {
  const spent = 'dollars' in budget ? line.cost : line.total;
  const limit = 'dollars' in budget ? budget.dollars : budget.tokens;
  return { spent, over: spent >= limit };
}

/** The start of the local day `now` is in: budgets are a day's. */
export function dayStart(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
