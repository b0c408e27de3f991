// What a real agent spends, end to end: the scripted model server reports different usage for
// each reply; after a few turns (one running a shell command), `gt costs` says exactly what the
// server reported for the agent's conversation, priced as the settings say.
import { expect, it } from 'vitest';
import type { ModelServer, Usage } from '../../src/demo/model-server.js';
import { story } from './agent-scenarios.js';
import type { HistoryRow } from './resume-scenarios.js';
import { history, keptReady, told } from './resume-scenarios.js';
import { waitFor } from './temp.js';
import type { TestTown } from './town.js';

/** Dollars per million tokens for every scripted model (by the start of its name). */
const PRICE = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 };
export const SCRIPTED_PRICES = { claude: PRICE, scripted: PRICE, gemini: PRICE };

interface CostsLine {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_dollars: number;
  cost_complete: boolean;
  replies: number;
}

export async function costsOf(town: TestTown): Promise<CostsLine> {
  const out = await town.gtOk(['costs', '--since', '1d', '--json']);
  return (JSON.parse(out) as { total: CostsLine }).total;
}

/** What the server reported for the agent's own conversation (side requests are not recorded). */
export function reported(server: ModelServer): Usage & { replies: number } {
  const sum = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, replies: 0 };
  for (const r of server.requests) {
    if (!r.main || r.usage === undefined) continue;
    sum.input += r.usage.input;
    sum.output += r.usage.output;
    sum.cacheRead += r.usage.cacheRead;
    sum.cacheWrite += r.usage.cacheWrite;
    sum.replies += 1;
  }
  return sum;
}

/** The scenario, for a town whose crew member is kept alive and whose prices are SCRIPTED_PRICES. */
export function spendScenario(
  name: string,
  make: () => Promise<{ town: TestTown; server: ModelServer }>,
): void {
  it(`${name}: gt costs says exactly what the model server reported`, async () => {
    const { town, server } = await make();
    await keptReady(town);
    await told(town, 'm1', 'BASH:echo spent');
    await told(town, 'm2', 'SAY:hello there');
    await told(town, 'm3', 'SAY:third reply');
    const want = reported(server);
    expect(want.replies).toBeGreaterThanOrEqual(4); // the shell command's result is a reply too
    const got = await waitFor(
      'gt costs to count every reply',
      async () => {
        const c = await costsOf(town);
        return c.replies === want.replies ? c : undefined;
      },
      30_000,
      250,
    ).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}\nhave ${JSON.stringify(await costsOf(town))}\nwant ${JSON.stringify(want)}\n${await story(town)}`,
      );
    });
    expect(got).toMatchObject({
      input_tokens: want.input,
      output_tokens: want.output,
      cache_read_tokens: want.cacheRead,
      cache_write_tokens: want.cacheWrite,
      cost_complete: true,
    });
    const dollars =
      (want.input * PRICE.input +
        want.output * PRICE.output +
        want.cacheRead * PRICE.cache_read +
        want.cacheWrite * PRICE.cache_write) /
      1e6;
    expect(got.cost_dollars).toBeCloseTo(dollars, 12);
    // The session's own line says the same.
    const [current] = (await history(town)) as Array<HistoryRow & { tokens?: number }>;
    expect(current?.tokens).toBe(want.input + want.output + want.cacheRead + want.cacheWrite);
  });
}
