// A real Claude Code agent comes back with its work: killed while busy, or lost with its tmux
// server and brought back by a new daemon, it resumes the same conversation (`claude --resume
// <id>`, the id its hooks reported) and is told what happened once. A conversation that cannot
// be resumed (its transcript deleted, or an id Claude Code does not have) starts fresh once with
// the daemon's note; a handoff still starts fresh; with on_compact: handoff a compaction is a
// handoff.
import { describe, expect, it } from 'vitest';
import { claudeTown } from '../helpers/claude.js';
import { handsOffByItsShell, MAX } from '../helpers/agent-scenarios.js';
import {
  BOGUS_UUID,
  conversationOf,
  fallsBackFresh,
  firstAfter,
  history,
  KEPT,
  keptReady,
  resumeSuite,
  told,
} from '../helpers/resume-scenarios.js';

resumeSuite('Claude Code', () => claudeTown(KEPT), { transcript: true });

describe('real Claude Code: continuity beyond a crash', () => {
  it('a resume Claude Code refuses (no such conversation): fresh once, never a loop', async () => {
    const { town, server } = await claudeTown(KEPT);
    await keptReady(town);
    await fallsBackFresh(town, server, async () => {
      await town.gtOk(['session', 'restart', MAX, '--resume', BOGUS_UUID]);
    });
    const endings = (await history(town)).map((r) => r.ending);
    expect(endings.slice(0, 3)).toEqual([null, 'resume-failed', 'restart']);
  }, 180_000);

  it('on_compact: handoff — a compaction refused, a fresh session with what it was doing', async () => {
    const { town, server } = await claudeTown({
      ...KEPT,
      agents: { crew: { on_compact: 'handoff' } },
    });
    await keptReady(town);
    const doing = `PARSER-WORK-${Date.now()}`;
    await told(town, doing);
    const before = await conversationOf(town);
    const since = Date.now();
    await town.gtOk(['nudge', MAX, '/compact']);
    const first = await firstAfter(server, since, 'fresh session of an agent that handed off');
    expect(first.text).toContain('about to be compacted (manual)');
    expect(first.text).toContain(`remember ${doing}`);
    const after = await conversationOf(town);
    expect(after).toMatchObject({ mode: 'fresh' });
    expect(after.conversation_id).not.toBe(before.conversation_id);
    expect((await history(town))[1]).toMatchObject({ ending: 'handoff' });
    // The /compact typed as the session ended is settled from the transcript, not left waiting.
    const pending = JSON.parse(await town.gtOk(['nudge', '--list', '--json'])) as unknown[];
    expect(pending).toEqual([]);
  }, 180_000);

  it('a handoff still starts fresh, with its note', async () => {
    const { town, server } = await claudeTown(KEPT);
    await keptReady(town);
    const early = `PRE-HANDOFF-${Date.now()}`;
    await told(town, early);
    const before = await conversationOf(town);
    const first = await handsOffByItsShell(town, server);
    expect(first.text).not.toContain(`remember ${early}`);
    const after = await conversationOf(town);
    expect(after.mode).toBe('fresh');
    expect(after.conversation_id).not.toBe(before.conversation_id);
    expect((await history(town))[1]).toMatchObject({ ending: 'handoff' });
  }, 180_000);
});
