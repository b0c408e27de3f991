// A real Claude Code whose context filled up (the scripted model server answers as the API does
// to a prompt over the window): the daemon cycles it with a handoff note of its own, and the
// successor's first model request carries that note. A loop of full contexts ends in a hold.
import { describe, expect, it } from 'vitest';
import type { StatusAgent } from '../helpers/claude.js';
import { claudeTown, statusOf } from '../helpers/claude.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

const agent = (town: TestTown): Promise<StatusAgent | undefined> => statusOf(town, MAX);

async function readyAgent(cycles: number) {
  const made = await claudeTown(
    { daemon: { heartbeat: '200ms', keep_alive: [] }, failures: { context_cycles: cycles } },
    { CLAUDE_CODE_MAX_RETRIES: '1' },
  );
  await runDaemon(made.town);
  await made.town.gtOk(['session', 'start', MAX]);
  await waitFor('ready', async () => (await agent(made.town))?.activity === 'ready', 60_000, 100);
  return made;
}

const cycled = async (town: TestTown) =>
  (await events(town)).filter((e) => e.kind === 'agent.cycled' && e.identity === MAX);

describe('real Claude Code: context full', () => {
  it('is cycled with a handoff note its successor reads first', async () => {
    const { town, server } = await readyAgent(3);
    const before = (await agent(town))?.pid;
    await town.gtOk(['nudge', MAX, 'FULL of context', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    const seen = await server.waitForRequest(
      (r) => r.main && r.text.includes('context filled up'),
      60_000,
    );
    expect(seen.text).toContain('FULL of context'); // its last screen, in the note
    expect((await cycled(town)).map((e) => e.outcome)).toEqual(['cycled']);
    const after = await agent(town);
    expect(after?.pid).not.toBe(before);
    expect(after?.kind).toBeNull();
    const inbox = JSON.parse(await town.gtOk(['mail', 'inbox', MAX, '--json'])) as Array<{
      subject: string;
      from: string;
    }>;
    expect(inbox.filter((m) => m.subject === '🤝 HANDOFF: context full')).toEqual([
      expect.objectContaining({ from: 'deacon' }),
    ]);
  }, 150_000);

  it('with no cycles left in the hour: held, the mayor told, not restarted', async () => {
    const { town } = await readyAgent(0);
    const before = (await agent(town))?.pid;
    await town.gtOk(['nudge', MAX, 'FULL of context', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    await waitFor('held', async () => (await agent(town))?.kind === 'context_full', 60_000, 100);
    expect(await cycled(town)).toEqual([]);
    expect((await agent(town))?.pid).toBe(before);
    const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
      subject: string;
    }>;
    expect(mail.map((m) => m.subject)).toContain(`HELD: ${MAX} (context_full)`);
  }, 150_000);
});
