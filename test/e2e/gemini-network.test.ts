// A real Gemini CLI whose API stops answering (the model server closed, so its port refuses):
// read from its screen as network, paused, never restarted; once the server is back on the same
// port, the probe made when the pause ends gets through and the agent works again.
import { describe, expect, it } from 'vitest';
import { startModelServer } from '../../src/demo/model-server.js';
import type { StatusAgent } from '../helpers/claude.js';
import { statusOf } from '../helpers/claude.js';
import { geminiTown } from '../helpers/gemini.js';
import { onCleanup, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

const agent = (town: TestTown): Promise<StatusAgent | undefined> => statusOf(town, MAX);

describe('real Gemini CLI, its API unreachable', () => {
  it('connection refused: paused as network, zero restarts; the API back, the probe gets through', async () => {
    const { town, server } = await geminiTown({
      attempts: 2,
      model: 'gemini-2.5-flash',
      settings: { daemon: { heartbeat: '200ms', keep_alive: [] }, failures: { backoff: '3s' } },
    });
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('ready', async () => (await agent(town))?.activity === 'ready', 60_000, 100);

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
    console.log(`gemini: refused → network in ${Date.now() - sent} ms`);
    expect(paused.kind_detail).toMatch(/fetch failed/);
    expect(paused.state).toBe('alive');

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
      60_000,
      200,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await town.gtOk(['events', '--agent', MAX])}`);
    });
    const kinds = (await events(town)).filter((e) => e.identity === MAX).map((e) => e.kind);
    expect(kinds).toContain('agent.probed');
    expect(kinds).toContain('agent.recovered');
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.died');
  }, 90_000);
});
