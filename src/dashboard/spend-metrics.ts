// /metrics for what agents spend: tokens by kind and dollars per agent, as counters. The store
// keeps the totals; each scrape adds to a counter what its total grew by since the last.
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { spendBy } from '../spend/summary.js';
import type { Store } from '../store/store.js';
import type { PriceSetting } from '../town/settings-spend.js';

const KINDS = [
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
] as const;

export class SpendMetrics {
  private readonly tokens: Counter<'address' | 'kind'>;
  private readonly dollars: Counter<'address'>;
  /** What each series was last set to. */
  private readonly seen = new Map<string, number>();

  constructor(registry: Registry) {
    this.tokens = new Counter({
      name: 'gt_agent_tokens_total',
      help: 'Tokens each agent’s model replies spent, by kind, as its runtime recorded them',
      labelNames: ['address', 'kind'],
      registers: [registry],
    });
    this.dollars = new Counter({
      name: 'gt_agent_cost_dollars_total',
      help: 'Dollars each agent spent, at the town’s prices (models without a price not counted)',
      labelNames: ['address'],
      registers: [registry],
    });
  }

  private grow(key: string, value: number, inc: (by: number) => void): void {
    const by = value - (this.seen.get(key) ?? 0);
    if (by > 0) inc(by);
    this.seen.set(key, Math.max(value, this.seen.get(key) ?? 0));
  }

  async see(store: Store, prices: Readonly<Record<string, PriceSetting>>): Promise<void> {
    for (const line of spendBy(await store.sumUsage(), 'agent', prices)) {
      const address = line.key;
      for (const [kind, field] of KINDS)
        this.grow(`${address}\u0000${kind}`, line.tokens[field], (by) =>
          this.tokens.inc({ address, kind }, by),
        );
      this.grow(`${address}\u0000$`, line.cost, (by) => this.dollars.inc({ address }, by));
    }
  }
}
