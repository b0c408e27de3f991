// The real Gemini CLI (pinned), supervised end to end by the real daemon against the scripted
// model server speaking the Gemini API: started in a work dir already trusted (no dialog, no
// restart), prompts delivered once and acknowledged by its hooks, a handoff by its own shell
// tool carried to the successor. Its trust dialog, where it still shows: the recorded screens.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handsOffByItsShell, MAX, nudgedOnce, startedReady } from '../helpers/agent-scenarios.js';
import { dialogsAnswered } from '../helpers/claude.js';
import { geminiTown } from '../helpers/gemini.js';
import { events } from '../helpers/town.js';

const SESSION = 'gt-alpha-crew-max';

describe('real Gemini CLI under the daemon', () => {
  it('starts trusted: no dialog, its hooks and --yolo from its first frame', async () => {
    const { town, home } = await geminiTown();
    const took = await startedReady(town);
    console.log(`gemini: start → ready in ${took} ms`);
    expect(await dialogsAnswered(town, MAX)).toEqual([]);
    const trusted = JSON.parse(
      readFileSync(join(home, '.gemini', 'trustedFolders.json'), 'utf8'),
    ) as Record<string, string>;
    expect(trusted[join(town.root, 'alpha', 'crew', 'max')]).toBe('TRUST_FOLDER');
    const screen = execFileSync('tmux', ['-L', town.socket, 'capture-pane', '-p', '-t', SESSION], {
      encoding: 'utf8',
    });
    expect(screen).toContain('YOLO'); // the first process kept: no restart lost its flags
    const seen = (await events(town))
      .filter((e) => e.kind === 'agent.activity' && e.identity === MAX)
      .map((e) => e.outcome);
    expect(seen).not.toContain('dialog');
    const workDir = join(town.root, 'alpha', 'crew', 'max');
    const settings = readFileSync(join(workDir, '.gemini', 'settings.json'), 'utf8');
    expect(settings).toContain('gt agent report prompt --inject-mail --hook-format gemini');
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
