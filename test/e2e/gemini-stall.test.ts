// A real Gemini CLI whose model never answers: asked for its status once (the question waits in
// Gemini CLI's queue, pushing a full screen up), then marked stalled, never restarted.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { STALL_TEXT } from '../../src/agents/failures/stall.js';
import { parseIdentity, sessionName } from '../../src/town/identity.js';
import { statusOf } from '../helpers/claude.js';
import { geminiTown } from '../helpers/gemini.js';
import { waitFor } from '../helpers/temp.js';
import { events, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

describe('real Gemini CLI, its model silent', () => {
  it('a hang on a full screen: asked once after stall_after, then marked stalled', async () => {
    const { town } = await geminiTown({
      settings: {
        daemon: { heartbeat: '200ms', keep_alive: [] },
        agents: { stall_after: '4s' },
      },
    });
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    const agent = () => statusOf(town, MAX);
    await waitFor('ready', async () => (await agent())?.activity === 'ready', 60_000, 100);
    // Enough output that the queued question scrolls the screen.
    for (const n of [1, 2, 3])
      await town.gtOk(['nudge', MAX, `BASH:seq ${n} 60 && echo filler-${n}`, '--wait'], {
        timeoutMs: 70_000,
      });
    await waitFor('ready', async () => (await agent())?.activity === 'ready', 30_000, 100);
    await town.gtOk(['nudge', MAX, 'HANG forever', '--wait'], { timeoutMs: 70_000 });
    const stalled = async (): Promise<Array<string | null>> =>
      (await events(town)).filter((e) => e.kind === 'agent.stalled').map((e) => e.outcome);
    await waitFor(
      'marked stalled',
      async () => (await agent())?.kind === 'stalled' && (await stalled()).includes('marked'),
      60_000,
      200,
    );
    expect(await stalled()).toEqual(['nudged', 'marked']);
    const session = sessionName(parseIdentity(MAX));
    const pane = execFileSync('tmux', ['-L', town.socket, 'capture-pane', '-p', '-t', session], {
      encoding: 'utf8',
    });
    expect(pane.split(STALL_TEXT)).toHaveLength(2);
    expect(pane).toContain('Queued (press ↑ to edit):');
    const kinds = (await events(town)).filter((e) => e.identity === MAX).map((e) => e.kind);
    expect(kinds).not.toContain('agent.restarted');
    expect(kinds).not.toContain('agent.recovered');
  }, 90_000);
});
