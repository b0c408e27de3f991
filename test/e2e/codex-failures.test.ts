// Why a real Codex is not working, told apart from its screen: the scripted server answers 401
// (held as auth, never restarted, the mayor told once) and 429 (rate limited, not a crash), and
// goes away (Codex retries a refused connection for ever: paused as network, never restarted,
// and working again once the API is back).
import { describe, expect, it } from 'vitest';
import { startModelServer } from '../../src/demo/model-server.js';
import {
  agentOf as agent,
  eventKinds as kindsOf,
  heartbeats as beats,
  MAX,
  startedReady,
  untilKind,
} from '../helpers/agent-scenarios.js';
import { codexTown } from '../helpers/codex.js';
import { onCleanup, waitFor } from '../helpers/temp.js';
import { events } from '../helpers/town.js';

async function readyAgent(settings: Record<string, unknown> = {}) {
  const made = await codexTown({
    settings: { daemon: { heartbeat: '200ms', keep_alive: [] }, ...settings },
  });
  await startedReady(made.town);
  return made;
}

describe('real Codex failures', () => {
  it('401: held as auth, zero restarts over 10 heartbeats, one mail; cleared, the retry gets through', async () => {
    const { town, server } = await readyAgent();
    await town.gtOk(['nudge', MAX, 'ERR:401 try the call', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const held = await untilKind(town, 'auth');
    expect(held.kind_detail).toMatch(/unexpected status 401 Unauthorized/);
    await waitFor('ready', async () => (await agent(town))?.activity === 'ready', 30_000, 100);
    const before = await beats(town);
    await waitFor('ten heartbeats', async () => (await beats(town)) >= before + 10, 20_000);
    const kinds = await kindsOf(town);
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.probed');
    const failed = (await events(town)).filter((e) => e.kind === 'agent.failed');
    expect(failed.map((e) => e.outcome)).toEqual(['auth']);
    const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
      subject: string;
    }>;
    expect(mail.filter((m) => m.subject === `HELD: ${MAX} (auth)`)).toHaveLength(1);
    expect(await town.gtOk(['daemon', 'clear-backoff', MAX])).toMatch(
      /was auth: asked it to try again/,
    );
    await waitFor(
      'the retry to get through',
      async () => {
        const seen = await server
          .waitForRequest((r) => r.main && r.lastUserText.includes('carry on'), 100)
          .catch(() => undefined);
        return seen !== undefined && (await agent(town))?.kind === null;
      },
      60_000,
      200,
    );
  }, 90_000);

  it('429: rate limited, not a crash', async () => {
    const { town } = await readyAgent();
    const sent = Date.now();
    await town.gtOk(['nudge', MAX, 'ERR:429:30 a busy service', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const limited = await untilKind(town, 'rate_limited');
    expect(limited.kind_detail).toMatch(/429 Too Many Requests/);
    expect(Date.parse(limited.until ?? '')).toBeGreaterThan(sent);
    const kinds = await kindsOf(town);
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.died');
  }, 90_000);

  it('connection refused: paused as network while Codex retries, zero restarts; the API back, it works again', async () => {
    const { town, server } = await readyAgent({ failures: { backoff: '3s' } });
    const port = server.port;
    await server.close();
    await town.gtOk(['nudge', MAX, 'hello refused', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const paused = await untilKind(town, 'network');
    expect(paused.kind_detail).toMatch(/Connection failed|waiting for network/);
    const before = await beats(town);
    await waitFor('five heartbeats', async () => (await beats(town)) >= before + 5, 20_000);
    expect((await agent(town))?.state).toBe('alive');
    const back = await startModelServer({ port });
    onCleanup(() => back.close());
    await back.waitForRequest((r) => r.main && r.lastUserText.includes('hello refused'), 60_000);
    await waitFor(
      'recovered',
      async () => {
        const a = await agent(town);
        return a?.kind === null && a.activity === 'ready';
      },
      60_000,
      200,
    );
    const kinds = await kindsOf(town);
    expect(kinds).toContain('agent.recovered');
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.died');
  }, 120_000);
});
