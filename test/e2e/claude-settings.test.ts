// A real Claude Code held for bad credentials is let go when the town's settings change: the
// daemon takes the new settings up at its next heartbeat and restarts the agent into a session
// that has them, resuming its conversation, told why in one prompt.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StatusAgent } from '../helpers/claude.js';
import { claudeTown, statusOf } from '../helpers/claude.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

const agent = (town: TestTown): Promise<StatusAgent | undefined> => statusOf(town, MAX);

const environ = (pid: number): string => readFileSync(`/proc/${pid}/environ`, 'utf8');

describe('real Claude Code: a settings change', () => {
  it('lets go of an auth hold and restarts the agent into the new settings, resumed', async () => {
    const { town, server } = await claudeTown(
      { daemon: { heartbeat: '200ms', keep_alive: [] } },
      { CLAUDE_CODE_MAX_RETRIES: '2' },
    );
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('ready', async () => (await agent(town))?.activity === 'ready', 60_000, 100);
    await town.gtOk(['nudge', MAX, 'ERR:401 try the call', '--wait', '--timeout', '60s'], {
      timeoutMs: 70_000,
    });
    await waitFor('held', async () => (await agent(town))?.kind === 'auth', 60_000, 100);
    const held = await agent(town);

    // the user puts a new key in the settings
    const file = join(town.root, 'settings', 'config.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as {
      agents: { crew: { env: Record<string, string> } };
    };
    settings.agents.crew.env.ANTHROPIC_API_KEY = 'sk-ant-new-key';
    writeFileSync(file, JSON.stringify(settings));

    const cycled = await waitFor(
      'the agent cycled into the new settings',
      async () => {
        const a = await agent(town);
        return a?.pid != null && a.pid !== held?.pid && a.kind === null ? a : undefined;
      },
      30_000,
      100,
    );
    expect(environ(cycled.pid ?? 0)).toContain('ANTHROPIC_API_KEY=sk-ant-new-key');
    const mine = (await events(town)).filter((e) => e.identity === MAX);
    expect(mine.filter((e) => e.kind === 'agent.unparked').map((e) => e.outcome)).toEqual([
      'settings changed',
    ]);
    expect(mine.filter((e) => e.kind === 'agent.cycled').map((e) => e.outcome)).toEqual([
      'resumed',
    ]);
    expect(cycled.session_mode).toBe('resumed');
    const told = await server.waitForRequest(
      (r) => r.main && r.lastUserText.includes('your conversation was resumed'),
      60_000,
    );
    expect(told.lastUserText).toContain("the town's settings changed");
    expect(told.text).toContain('ERR:401 try the call'); // the conversation before the hold
    const inbox = JSON.parse(await town.gtOk(['mail', 'inbox', MAX, '--json'])) as Array<{
      subject: string;
    }>;
    expect(inbox.map((m) => m.subject)).not.toContain('🤝 HANDOFF: settings changed');
  }, 150_000);
});
