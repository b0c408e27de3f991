// Why a real Gemini CLI is not working, told apart and acted on: the scripted model server
// answers 401 (held as auth, never restarted), 429 and 500 (Gemini CLI retries them behind its
// spinner, then asks whether to keep trying: "Stop" shows the API's error, read as rate_limited
// or overloaded, never restarted). A refused connection: gemini-network.test.ts.
import { describe, expect, it } from 'vitest';
import type { ModelServer } from '../../src/demo/model-server.js';
import {
  agentOf as agent,
  eventKinds as kindsOf,
  heartbeats as beats,
  MAX,
  startedReady,
  untilKind,
} from '../helpers/agent-scenarios.js';
import { dialogsAnswered } from '../helpers/claude.js';
import { geminiTown } from '../helpers/gemini.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events } from '../helpers/town.js';

/** `attempts`: Gemini CLI's own tries of a failing request (test-sized; its default is 10). */
async function readyAgent(attempts = 2): Promise<{ town: TestTown; server: ModelServer }> {
  const { town, server } = await geminiTown({
    attempts,
    settings: { daemon: { heartbeat: '200ms', keep_alive: [] } },
  });
  await startedReady(town);
  return { town, server };
}

/** Waits until the agent's failure kind is `kind`. */
const failedAs = (town: TestTown, kind: string) => untilKind(town, kind, 60_000);

describe('real Gemini CLI failures', () => {
  it('401: held as auth at once, zero restarts over 10 heartbeats, one mail to the mayor', async () => {
    const { town } = await readyAgent();
    await town.gtOk(['nudge', MAX, 'ERR:401 try the call', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const held = await failedAs(town, 'auth');
    expect(held.kind_detail).toMatch(/401|UNAUTHENTICATED/);
    await waitFor('ready', async () => (await agent(town))?.activity === 'ready', 30_000, 100);
    const before = await beats(town);
    await waitFor('ten heartbeats', async () => (await beats(town)) >= before + 10, 20_000);
    expect(await kindsOf(town)).not.toContain('agent.restarted');
    expect(await kindsOf(town)).not.toContain('agent.probed');
    const failed = (await events(town)).filter((e) => e.kind === 'agent.failed');
    expect(failed.map((e) => e.outcome)).toEqual(['auth']);
    const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
      subject: string;
    }>;
    expect(mail.filter((m) => m.subject === `HELD: ${MAX} (auth)`)).toHaveLength(1);
  }, 90_000);

  it('429: its retries given up at the "keep trying?" question, rate limited, not restarted', async () => {
    const { town } = await readyAgent();
    const sent = Date.now();
    await town.gtOk(['nudge', MAX, 'ERR:429:1 a busy service', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const limited = await failedAs(town, 'rate_limited');
    console.log(`gemini: 429 → rate_limited in ${Date.now() - sent} ms`);
    expect(limited.kind_detail).toMatch(/RESOURCE_EXHAUSTED|quota/);
    expect(await dialogsAnswered(town, MAX)).toEqual(['quota']);
    expect(await kindsOf(town)).not.toContain('agent.restarted');
    expect(await kindsOf(town)).not.toContain('agent.died');
    const failed = (await events(town)).filter((e) => e.kind === 'agent.failed');
    expect(failed.map((e) => e.outcome)).toEqual(['rate_limited']);
  }, 90_000);

  it('500: the same question answered, overloaded, not restarted', async () => {
    const { town } = await readyAgent();
    await town.gtOk(['nudge', MAX, 'ERR:500 a broken service', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const overloaded = await failedAs(town, 'overloaded');
    expect(overloaded.kind_detail).toMatch(/"code":500/);
    expect(await kindsOf(town)).not.toContain('agent.restarted');
  }, 90_000);
});
