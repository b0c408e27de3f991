// What the town's status says for the people around it: what each agent spent today, and the
// notification outbox — how many wait, how many were dead-lettered, the latest, and each
// channel whose latest try failed. Pure, over the store's rows.
import { dayStart, spendBy } from '../spend/summary.js';
import type { Notification, Store } from '../store/store.js';
import type { PriceSetting } from '../town/settings-spend.js';

export interface SpentToday {
  tokens: number;
  /** Dollars for the priced part. */
  dollars: number;
  /** False when some tokens are of a model without a price. */
  complete: boolean;
}

/** One notification as gt notify list --json and the dashboard show it. */
export interface OutboxLine {
  id: string;
  channel: string;
  kind: string;
  agent: string | null;
  title: string;
  status: string;
  attempts: number;
  created_at: string;
  delivered_at: string | null;
  error: string | null;
}

export interface OutboxStatus {
  pending: number;
  dead: number;
  /** The newest notifications, newest first. */
  recent: OutboxLine[];
  /** Channels whose latest try failed (retrying or dead-lettered) and none delivered since. */
  failing: Array<{ channel: string; error: string; since: string }>;
}

/** What each agent spent since the start of today (local time). */
export async function spentToday(
  store: Store,
  now: number,
  prices: Readonly<Record<string, PriceSetting>>,
): Promise<Map<string, SpentToday>> {
  const lines = spendBy(await store.sumUsage({ since: dayStart(now) }), 'agent', prices);
  return new Map(
    lines.map((l) => [
      l.key,
      { tokens: l.total, dollars: l.cost, complete: l.unpriced.length === 0 },
    ]),
  );
}

/** How many notifications the outbox reads back to summarize. */
export const OUTBOX_WINDOW = 200;

const iso = (at: number): string => new Date(at).toISOString();

export function outboxLine(n: Notification): OutboxLine {
  return {
    id: n.id,
    channel: n.channel,
    kind: n.kind,
    agent: n.identity,
    title: n.title,
    status: n.status,
    attempts: n.attempts,
    created_at: iso(n.createdAt),
    delivered_at: n.deliveredAt === null ? null : iso(n.deliveredAt),
    error: n.lastError,
  };
}

/** The outbox, from its newest rows (oldest first, as the store lists them). */
export function outboxOf(rows: readonly Notification[], shown = 10): OutboxStatus {
  const failing = new Map<string, { channel: string; error: string; since: string }>();
  for (const n of rows) {
    if (n.status === 'delivered') failing.delete(n.channel);
    else if (n.lastError !== null && !failing.has(n.channel))
      failing.set(n.channel, { channel: n.channel, error: n.lastError, since: iso(n.createdAt) });
  }
  return {
    pending: rows.filter((n) => n.status === 'pending').length,
    dead: rows.filter((n) => n.status === 'dead').length,
    recent: rows.slice(-shown).reverse().map(outboxLine),
    failing: [...failing.values()],
  };
}
