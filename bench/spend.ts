// Reading what agents spend: one turn's usage read from a long Claude Code transcript through
// the file's cursor (what the daemon does after each turn), beside reading and parsing the
// whole transcript again (what a reader without cursors would do), into a real SQLite store.
// Size: GT_BENCH_SPEND_REPLIES (20 000 replies of ~2 KB, ~40 MB).
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectSource } from '../src/spend/collect.js';
import { readerFor } from '../src/spend/readers.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Row } from './harness.js';
import { benchSize, median, nowMs, scratch } from './harness.js';

const SECTION = 'spend';
const TURNS = 30;

function reply(n: number): string {
  return `${JSON.stringify({
    type: 'assistant',
    timestamp: new Date(Date.UTC(2026, 11, 6, 12, 0, 0, n)).toISOString(),
    requestId: `req_${n}`,
    message: {
      id: `msg_${n}`,
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'x'.repeat(1800) }],
      usage: { input_tokens: 100 + (n % 50), output_tokens: 20, cache_read_input_tokens: n % 7 },
    },
  })}\n`;
}

/** Every entry of the whole file, parsed as the reader parses each line. */
function readWhole(path: string): number {
  const reader = readerFor('claude');
  const state = {};
  let found = 0;
  let offset = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    found += reader?.line(line, { path, offset, state, now: 0 })?.length ?? 0;
    offset += line.length + 1;
  }
  return found;
}

export async function benchSpend(): Promise<Row[]> {
  const replies = benchSize('GT_BENCH_SPEND_REPLIES', 20_000);
  const { dir, done } = scratch('spend');
  try {
    mkdirSync(join(dir, '.gt'));
    const store = SqliteStore.open(join(dir, '.gt', 'town.db'));
    const src = {
      path: join(dir, 'conv.jsonl'),
      identity: 'alpha/crew/max',
      runtime: 'claude',
      conversationId: 'c',
    };
    const lines: string[] = [];
    for (let n = 0; n < replies; n++) lines.push(reply(n));
    writeFileSync(src.path, lines.join(''));
    const first = nowMs();
    // A long file is read MAX_READ_BYTES a pass: the first reads take several passes.
    while ((await collectSource(store, src, 1)) > 0);
    const firstMs = nowMs() - first;
    const ours: number[] = [];
    const whole: number[] = [];
    for (let t = 0; t < TURNS; t++) {
      appendFileSync(src.path, reply(replies + 2 * t) + reply(replies + 2 * t + 1));
      let at = nowMs();
      const added = await collectSource(store, src, 2 + t);
      ours.push(nowMs() - at);
      if (added !== 2) throw new Error(`a turn read ${added} replies, not 2`);
      at = nowMs();
      readWhole(src.path);
      whole.push(nowMs() - at);
    }
    await store.close();
    const mb = (replies * reply(0).length) / 1e6;
    const row = (
      name: string,
      value: number,
      baseline: number | null,
      baselineName: string | null,
      target: string,
      pass: boolean | null,
    ): Row => ({
      section: SECTION,
      name,
      ours: value,
      baseline,
      baselineName,
      unit: 'ms',
      target,
      pass,
    });
    return [
      row(
        `a turn's usage from a ${mb.toFixed(0)} MB transcript (p50)`,
        median(ours),
        median(whole),
        'the whole transcript read again',
        '≤ 0.05x',
        median(ours) <= 0.05 * median(whole),
      ),
      row(
        `the whole ${mb.toFixed(0)} MB transcript read and recorded, first time`,
        firstMs,
        median(whole),
        'the whole transcript read again (no store)',
        'info',
        null,
      ),
    ];
  } finally {
    done();
  }
}
