// What real agents spend, read from each CLI's own records (Claude Code's transcript, Codex's
// rollout, Gemini CLI's chat log, Pi's session file) against the usage the scripted server
// reported; and a Claude Code agent past its day's budget held, a person told once, let go.
import { describe, expect, it } from 'vitest';
import { claudeTown } from '../helpers/claude.js';
import { codexTown } from '../helpers/codex.js';
import { geminiTown } from '../helpers/gemini.js';
import { piTown } from '../helpers/pi.js';
import { agentOf, heartbeats, MAX, untilKind } from '../helpers/agent-scenarios.js';
import { KEPT, keptReady, told } from '../helpers/resume-scenarios.js';
import { costsOf, SCRIPTED_PRICES, spendScenario } from '../helpers/spend-scenarios.js';
import { waitFor } from '../helpers/temp.js';
import { startReceiver } from '../notify/receiver.js';

const settings = { ...KEPT, prices: SCRIPTED_PRICES };

describe('spend of real agents', () => {
  spendScenario('Claude Code', () => claudeTown(settings));
  spendScenario('Codex', () => codexTown({ settings }));
  spendScenario('Gemini CLI', () => geminiTown({ settings }));
  spendScenario('Pi', () => piTown({ settings }));
});

describe('a budget', () => {
  it('crossed: the agent held (no new prompt typed), a person told once; clear-backoff lets it go on today', async () => {
    const receiver = await startReceiver();
    const { town, server } = await claudeTown({
      ...settings,
      agents: { crew: { budget: '250 tokens' } },
      notify: { channels: [{ name: 'phone', type: 'webhook', url: receiver.url }] },
    });
    await keptReady(town);
    await told(town, 'b1', 'SAY:one');
    expect((await agentOf(town))?.kind).toBeNull();
    await told(town, 'b2', 'SAY:two');
    const held = await untilKind(town, 'budget');
    expect(held.kind_detail).toMatch(/spent [\d,]+ tokens today, its budget is 250 tokens a day/);
    const heldNotes = () =>
      receiver.received.filter((r) => String(r.body.title).includes('held (budget)'));
    await waitFor('the notification', () => heldNotes().length === 1, 10_000, 50);

    // A prompt queued now waits: two heartbeats later it has not reached the model.
    await town.gtOk(['nudge', MAX, 'remember b3 SAY:three']);
    const beats = await heartbeats(town);
    await waitFor('two heartbeats', async () => (await heartbeats(town)) >= beats + 2, 10_000, 50);
    expect(server.requests.some((r) => r.lastUserText.includes('b3'))).toBe(false);
    expect((await agentOf(town))?.running).toBe(true);

    await town.gtOk(['daemon', 'clear-backoff', MAX]);
    await server.waitForRequest((r) => r.main && r.lastUserText.includes('b3'), 30_000);
    await told(town, 'b4', 'SAY:four'); // past the budget, but let go for today
    expect((await agentOf(town))?.kind).toBeNull();
    expect((await costsOf(town)).input_tokens).toBeGreaterThan(250);
    expect(heldNotes()).toHaveLength(1);
  });
});
