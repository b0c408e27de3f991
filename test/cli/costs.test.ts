// gt costs over a real town: an agent's Claude Code transcript (real lines, a real file) read
// into the SQLite store, summed by agent, role and model, priced; bad flags are bad usage.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { townPaths } from '../../src/town/layout.js';
import { tempDir } from '../helpers/temp.js';
import { makeTown } from '../helpers/town.js';
import type { TestTown } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

const reply = (n: number, model: string, input: number, output: number): string =>
  JSON.stringify({
    type: 'assistant',
    timestamp: new Date().toISOString(),
    requestId: `req_${n}`,
    message: {
      id: `msg_${n}`,
      model,
      usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 10 },
    },
  });

/** A town whose crew member's record names a transcript with three replies (one a repeat). */
async function townWithTranscript(): Promise<TestTown> {
  const town = await makeTown({ settings: { daemon: { host: hostname() } } });
  const transcript = join(tempDir('claude'), 'conv.jsonl');
  const lines = [
    reply(1, 'claude-sonnet-4-5-20250929', 1_000_000, 1000),
    reply(1, 'claude-sonnet-4-5-20250929', 1_000_000, 1000), // the same reply's second block
    reply(2, 'mystery-model', 500, 50),
  ];
  writeFileSync(transcript, `${lines.join('\n')}\n`);
  const store = SqliteStore.open(townPaths(town.root).storeFile);
  await store.patchAgent(MAX, {
    host: hostname(),
    runtime: 'claude',
    transcriptPath: transcript,
    conversationId: 'conv',
  });
  await store.close();
  return town;
}

interface Costs {
  by: string;
  lines: Array<{ key: string; input_tokens: number; cost_dollars: number; cost_complete: boolean }>;
  total: {
    input_tokens: number;
    cache_read_tokens: number;
    replies: number;
    unpriced_models: string[];
  };
}

describe('gt costs', () => {
  it('reads what is new, then sums it by agent, role or model, priced where a price is known', async () => {
    const town = await townWithTranscript();
    const costs = JSON.parse(await town.gtOk(['costs', '--json'])) as Costs;
    expect(costs.by).toBe('agent');
    expect(costs.lines).toEqual([
      expect.objectContaining({ key: MAX, input_tokens: 1_000_500, cost_complete: false }),
    ]);
    // $3 a million input, $15 a million output, $0.30 a million cache reads (one reply's).
    expect(costs.lines[0]?.cost_dollars).toBeCloseTo(3 + 0.015 + 0.000003, 9);
    expect(costs.total).toMatchObject({
      cache_read_tokens: 20,
      replies: 2,
      unpriced_models: ['mystery-model'],
    });
    const byModel = JSON.parse(await town.gtOk(['costs', '--by', 'model', '--json'])) as Costs;
    expect(byModel.lines.map((l) => [l.key, l.cost_complete])).toEqual([
      ['claude-sonnet-4-5-20250929', true],
      ['mystery-model', false],
    ]);
    const byRole = JSON.parse(await town.gtOk(['costs', '--by', 'role', '--json'])) as Costs;
    expect(byRole.lines.map((l) => l.key)).toEqual(['crew']);
    // Read again: nothing counted twice.
    const again = JSON.parse(await town.gtOk(['costs', '--json'])) as Costs;
    expect(again.total.input_tokens).toBe(1_000_500);
  });

  it('prints a table, the unpriced part marked and explained', async () => {
    const town = await townWithTranscript();
    const out = await town.gtOk(['costs', '--since', '1d']);
    expect(out).toMatch(
      /^since \d{4}-\d\d-\d\d \d\d:\d\d UTC\nAGENT +INPUT +OUTPUT +CACHE READ +CACHE WRITE +COST\n/,
    );
    expect(out).toMatch(new RegExp(`${MAX} +1,000,500 +1,050 +20 +0 +\\$3\\.02\\+\\?`));
    expect(out).toMatch(/\+\? tokens of mystery-model have no price .* prices\.<model>/);
    const fresh = await makeTown();
    expect(await fresh.gtOk(['costs'])).toMatch(/^nothing spent since /);
  });

  it('refuses a time it cannot read and a grouping it does not know', async () => {
    const town = await makeTown();
    const badSince = await town.gt(['costs', '--since', 'yesterdayish']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toMatch(/--since "yesterdayish" is not "today", a duration/);
    const badBy = await town.gt(['costs', '--by', 'planet']);
    expect(badBy.code).toBe(2);
    expect(badBy.stderr).toMatch(/--by "planet": one of agent, rig, role, model/);
  });
});
