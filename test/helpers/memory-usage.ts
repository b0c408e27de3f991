// The spend tables of the in-memory store (memory-store.ts), as the real stores keep them: an
// entry whose key is recorded already is skipped; sums by agent and model in their order.
import type { UsageCursor, UsageEntry, UsageQuery, UsageSum } from '../../src/store/store.js';

export class MemoryUsage {
  private readonly entries = new Map<string, UsageEntry>();
  private readonly cursors = new Map<string, UsageCursor>();

  record(cursor: UsageCursor, entries: readonly UsageEntry[]): number {
    let added = 0;
    for (const e of entries)
      if (!this.entries.has(e.key)) {
        this.entries.set(e.key, structuredClone(e));
        added++;
      }
    this.cursors.set(cursor.path, { ...cursor });
    return added;
  }

  cursor(path: string): UsageCursor | undefined {
    const c = this.cursors.get(path);
    return c === undefined ? undefined : { ...c };
  }

  listCursors(since: number): UsageCursor[] {
    return [...this.cursors.values()]
      .filter((c) => c.updatedAt >= since)
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((c) => ({ ...c }));
  }

  sum(q: UsageQuery): UsageSum[] {
    const sums = new Map<string, UsageSum>();
    for (const e of this.entries.values()) {
      if (e.at < (q.since ?? 0) || e.at >= (q.until ?? Number.MAX_SAFE_INTEGER)) continue;
      if (q.identity !== undefined && e.identity !== q.identity) continue;
      const key = `${e.identity}\u0000${e.model}`;
      const s = sums.get(key) ?? {
        identity: e.identity,
        model: e.model,
        runtime: e.runtime,
        tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        replies: 0,
        lastAt: 0,
      };
      s.tokens.input += e.tokens.input;
      s.tokens.output += e.tokens.output;
      s.tokens.cacheRead += e.tokens.cacheRead;
      s.tokens.cacheWrite += e.tokens.cacheWrite;
      s.replies++;
      s.lastAt = Math.max(s.lastAt, e.at);
      if (e.runtime < s.runtime) s.runtime = e.runtime;
      sums.set(key, s);
    }
    return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
  }
}
