// A real Claude Code whose API stops answering (the model server closed, so its port refuses):
// read from its screen as network, paused, never restarted; once the server is back on the same
// port, the probe made when the pause ends gets through and the agent works again.
import { describe, expect, it } from 'vitest';
import { startModelServer } from '../../src/demo/model-server.js';
import type { StatusAgent } from '../helpers/claude.js';
import { claudeTown, statusOf } from '../helpers/claude.js';
import { onCleanup, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

interface EventJson {
  time: string;
  kind: string;
  identity: string | null;
  outcome: string | null;
  data: { until?: number | null } | null;
}

const agent = (town: TestTown): Promise<StatusAgent | undefined> => statusOf(town, MAX);

async function maxEvents(town: TestTown): Promise<EventJson[]> {
  const all = JSON.parse(await town.gtOk(['events', '--json', '--limit', '100000'])) as EventJson[];
  return all.filter((e) => e.identity === MAX);
}

const beats = async (town: TestTown): Promise<number> =>
  (JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as { heartbeat_count: number })
    .heartbeat_count;

describe('real Claude Code, its API unreachable', () => {
  it('connection refused: paused as network, zero restarts; the API back, the probe gets through', async () => {
    const { town, server } = await claudeTown(
      { daemon: { heartbeat: '200ms', keep_alive: [] }, failures: { backoff: '3s' } },
      { CLAUDE_CODE_MAX_RETRIES: '1' },
    );
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('ready', async () => (await agent(town))?.activity === 'ready', 60_000, 100);

    // The API goes away: nothing listens on its port any more.
    const port = server.port;
    await server.close();
    const sent = Date.now();
    await town.gtOk(['nudge', MAX, 'hello refused', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const paused = await waitFor(
      'network',
      async () => {
        const a = await agent(town);
        return a?.kind === 'network' ? a : undefined;
      },
      60_000,
      100,
    );
    expect(paused.kind_detail).toMatch(/ECONNREFUSED|Connection refused|Connection error/);
    expect(Date.parse(paused.until ?? '')).toBeGreaterThan(sent);

    // Several heartbeats while it cannot reach its API: the agent lives on, never restarted.
    const before = await beats(town);
    await waitFor('five heartbeats', async () => (await beats(town)) >= before + 5, 20_000);
    expect((await agent(town))?.state).toBe('alive');
    const kinds = (await maxEvents(town)).map((e) => e.kind);
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.died');

    // The API back on the same port: the probe at the end of the pause reaches it.
    const back = await startModelServer({ port });
    onCleanup(() => back.close());
    await waitFor(
      'the probe to get through and the agent to recover',
      async () => {
        const seen = await back
          .waitForRequest((r) => r.main && r.lastUserText.includes('carry on'), 100)
          .catch(() => undefined);
        const a = await agent(town);
        return seen !== undefined && a?.kind === null && a.activity === 'ready';
      },
      90_000,
      200,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await town.gtOk(['events', '--agent', MAX])}`);
    });

    const events = await maxEvents(town);
    const failed = events.filter((e) => e.kind === 'agent.failed');
    expect(failed.map((e) => e.outcome)).toContain('network');
    const firstPause = failed.find((e) => e.outcome === 'network')?.data?.until ?? 0;
    const firstProbe = events.find((e) => e.kind === 'agent.probed');
    // No probe before the pause was over.
    expect(Date.parse(firstProbe?.time ?? '')).toBeGreaterThanOrEqual(firstPause);
    expect(events.map((e) => e.kind)).toContain('agent.recovered');
    expect(events.map((e) => e.kind)).not.toContain('agent.restarted');
    expect(events.map((e) => e.kind)).not.toContain('agent.died');
  }, 240_000);
});
