// Why a real Claude Code is not working, told apart and acted on: the scripted model server
// answers 401 (bad credentials: held, never restarted, the mayor told once) and 429 with
// retry-after (rate limited until then, not a crash).
import { describe, expect, it } from 'vitest';
import type { ModelServer } from '../../src/demo/model-server.js';
import { claudeTown } from '../helpers/claude.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

interface AgentJson {
  address: string;
  activity: string | null;
  kind: string | null;
  until: string | null;
  kind_detail: string | null;
}

async function agent(town: TestTown): Promise<AgentJson | undefined> {
  const status = JSON.parse(await town.gtOk(['status', '--json'])) as { agents: AgentJson[] };
  return status.agents.find((a) => a.address === MAX);
}

/** `retries`: how often Claude Code tries a failed call again by itself (test-sized). */
async function readyAgent(retries = 10): Promise<{ town: TestTown; server: ModelServer }> {
  const { town, server } = await claudeTown(
    { daemon: { heartbeat: '200ms', keep_alive: [] } },
    { CLAUDE_CODE_MAX_RETRIES: String(retries) },
  );
  await runDaemon(town);
  await town.gtOk(['session', 'start', MAX]);
  await waitFor('ready', async () => (await agent(town))?.activity === 'ready', 60_000, 100);
  return { town, server };
}

const beats = async (town: TestTown): Promise<number> =>
  (JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as { heartbeat_count: number })
    .heartbeat_count;

describe('real Claude Code failures', () => {
  it('401: held as auth, zero restarts over 10 heartbeats, one mail to the mayor', async () => {
    const { town, server } = await readyAgent(2);
    await town.gtOk(['nudge', MAX, 'ERR:401 try the call', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    // held, and Claude Code has given up its own retries (back at its prompt)
    await waitFor(
      'auth',
      async () => {
        const a = await agent(town);
        return a?.kind === 'auth' && a.activity === 'ready';
      },
      60_000,
      100,
    );
    const before = await beats(town);
    await waitFor('ten heartbeats', async () => (await beats(town)) >= before + 10, 20_000);
    const kinds = (await events(town)).filter((e) => e.identity === MAX).map((e) => e.kind);
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.probed');
    // Claude Code's first retries say only "API error · retrying" (read as a rate limit); from
    // its third try it names the 401, and from then on the agent is held as auth, unchanged.
    const failed = (await events(town)).filter((e) => e.kind === 'agent.failed');
    expect(failed.at(-1)?.outcome).toBe('auth');
    expect(failed.filter((e) => e.outcome === 'auth')).toHaveLength(1);
    const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
      subject: string;
    }>;
    expect(mail.filter((m) => m.subject === `HELD: ${MAX} (auth)`)).toHaveLength(1);
    expect(await town.gtOk(['why', MAX])).toMatch(/held: .*401.*gt daemon clear-backoff/);
    // Fixed (here: the next reply is no 401): cleared by hand, the agent is asked to try again
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
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await town.gtOk(['events', '--agent', MAX])}`);
    });
  }, 150_000);

  it('429 with retry-after: rate limited until then, not a crash', async () => {
    const { town } = await readyAgent();
    const sent = Date.now();
    await town.gtOk(['nudge', MAX, 'ERR:429:30 a busy service', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const limited = await waitFor(
      'rate limited',
      async () => {
        const a = await agent(town);
        return a?.kind === 'rate_limited' ? a : undefined;
      },
      30_000,
      100,
    );
    const until = Date.parse(limited.until ?? '');
    // retry-after: 30, counted from when the CLI read it
    expect(until).toBeGreaterThan(sent + 20_000);
    expect(until).toBeLessThan(sent + 40_000);
    const kinds = (await events(town)).filter((e) => e.identity === MAX).map((e) => e.kind);
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.died');
  }, 150_000);
});
