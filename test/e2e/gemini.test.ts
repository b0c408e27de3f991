// The real Gemini CLI (pinned), supervised end to end by the real daemon against the scripted
// model server speaking the Gemini API: its trust dialog answered, prompts delivered once and
// acknowledged by its hooks, a handoff by its own shell tool carried to the successor.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handsOffByItsShell, MAX, nudgedOnce, startedReady } from '../helpers/agent-scenarios.js';
import { dialogsAnswered } from '../helpers/claude.js';
import { geminiTown } from '../helpers/gemini.js';
import { events } from '../helpers/town.js';

describe('real Gemini CLI under the daemon', () => {
  it('starts, passes its trust dialog, and is ready only after it', async () => {
    const { town } = await geminiTown();
    const took = await startedReady(town);
    console.log(`gemini: start → ready in ${took} ms`);
    expect(await dialogsAnswered(town, MAX)).toEqual(['trust']);
    const seen = (await events(town))
      .filter((e) => e.kind === 'agent.activity' && e.identity === MAX)
      .map((e) => e.outcome);
    // Never ready before the trust dialog: the prompt it draws first is no sign of ready.
    expect(seen.indexOf('dialog')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('ready')).toBeGreaterThan(seen.indexOf('dialog'));
    const workDir = join(town.root, 'alpha', 'crew', 'max');
    const settings = readFileSync(join(workDir, '.gemini', 'settings.json'), 'utf8');
    expect(settings).toContain('gt agent report prompt --hook-format gemini');
    expect(existsSync(join(workDir, '.git'))).toBe(true);
    expect(readFileSync(join(workDir, '.git', 'info', 'exclude'), 'utf8')).toContain(
      '/.gemini/settings.json',
    );
  }, 90_000);

  it('a nudge reaches the model exactly once, acknowledged by its BeforeAgent hook', async () => {
    const { town, server } = await geminiTown();
    await startedReady(town);
    const marker = await nudgedOnce('gemini', town, server);
    // Side requests (the model router, summaries) are never counted as the conversation.
    expect(server.requests.some((r) => !r.main && r.lastUserText.includes(marker))).toBe(true);
  }, 120_000);

  it('gt handoff -m run by its own shell tool: cycled, and the successor’s first request has the note', async () => {
    const { town, server } = await geminiTown();
    await startedReady(town);
    await handsOffByItsShell(town, server);
    // The tool's run and the successor's first prompt each reached the model once.
    const handoffs = server.requests.filter((r) => r.main && r.lastUserText.includes('hand off'));
    expect(handoffs).toHaveLength(1);
  }, 150_000);
});
