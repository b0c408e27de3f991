// Fresh or resumed, as a table over plain data; the conversation a hook names, and the prompts in
// flight when a session ended, against a real SQLite store and real transcript files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Continuity, PlanFacts } from '../../src/agents/continuity.js';
import { CannotResumeError, noteConversation, planStart } from '../../src/agents/continuity.js';
import {
  fallbackNote,
  restartPrompt,
  tellAfterStart,
  transcriptHolds,
  whatHappened,
} from '../../src/agents/restart-prompt.js';
import { resolveAgent } from '../../src/agents/resolve.js';
import { compactNote, lastExchange } from '../../src/agents/compact-note.js';
import { resumeRefused } from '../../src/daemon/keepalive.js';
import { claude } from '../../src/agents/runtime/claude.js';
import { opencode } from '../../src/agents/runtime/opencode.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { AgentRecord } from '../../src/store/store.js';
import { formatAddress, parseIdentity } from '../../src/town/identity.js';
import { loadSettings } from '../../src/town/settings.js';
import { installTown } from '../../src/setup/install.js';
import { onCleanup, tempDir } from '../helpers/temp.js';

const ID = 'c0ffee00-1111-4222-8333-444455556666';
const resumable = { name: 'claude', resume: (c: string, id: string) => `${c} --resume ${id}` };

function facts(over: Partial<PlanFacts> & { wish: Continuity | undefined }): PlanFacts {
  return {
    record: { conversationId: ID, transcriptPath: '/t/x.jsonl' },
    runtime: resumable,
    setting: 'auto',
    transcriptExists: () => true,
    ...over,
  };
}

describe('planStart: fresh or resumed', () => {
  const cases: Array<[string, Partial<PlanFacts> & { wish: Continuity | undefined }, unknown]> = [
    ['no reason given', { wish: undefined }, { mode: 'fresh' }],
    ['a crash', { wish: { ended: 'crash' } }, { mode: 'resumed', conversationId: ID }],
    ['a reboot', { wish: { ended: 'reboot' } }, { mode: 'resumed', conversationId: ID }],
    ['a restart', { wish: { ended: 'restart' } }, { mode: 'resumed', conversationId: ID }],
    ['a handoff', { wish: { ended: 'handoff' } }, { mode: 'fresh' }],
    ['a full context', { wish: { ended: 'context_full' } }, { mode: 'fresh' }],
    ['a stop', { wish: { ended: 'stop' } }, { mode: 'fresh' }],
    ['--fresh', { wish: { ended: 'restart', choice: 'fresh' } }, { mode: 'fresh' }],
    ['resume: never', { wish: { ended: 'crash' }, setting: 'never' }, { mode: 'fresh' }],
    [
      'a runtime that cannot resume',
      { wish: { ended: 'crash' }, runtime: { name: 'shell' } },
      { mode: 'fresh' },
    ],
    [
      'no conversation on record',
      { wish: { ended: 'crash' }, record: { conversationId: null, transcriptPath: null } },
      { mode: 'fresh' },
    ],
    [
      'an id not fit for a command line',
      { wish: { ended: 'crash' }, record: { conversationId: 'x; rm -rf /', transcriptPath: null } },
      { mode: 'fresh' },
    ],
    [
      'its transcript gone',
      { wish: { ended: 'crash' }, transcriptExists: () => false },
      { mode: 'fresh', fallback: "its conversation's transcript is gone (/t/x.jsonl)" },
    ],
    [
      'no transcript on record (resumed by id)',
      { wish: { ended: 'crash' }, record: { conversationId: ID, transcriptPath: null } },
      { mode: 'resumed', conversationId: ID },
    ],
    [
      'the resume refused before',
      { wish: { ended: 'resume-failed', fallback: 'it exited' } },
      { mode: 'fresh', fallback: 'it exited' },
    ],
    [
      '--resume <id>',
      { wish: { ended: 'restart', choice: 'resume', conversationId: 'abc-1' } },
      { mode: 'resumed', conversationId: 'abc-1' },
    ],
    [
      '--resume, even after a handoff',
      { wish: { ended: 'handoff', choice: 'resume' } },
      { mode: 'resumed', conversationId: ID },
    ],
  ];
  it.each(cases)('%s', (_name, given, plan) => {
    expect(planStart(facts(given))).toEqual(plan);
  });

  it('an explicit resume that cannot be done is an error, not a fresh start', () => {
    const resume: Continuity = { ended: 'restart', choice: 'resume' };
    expect(() => planStart(facts({ wish: resume, runtime: { name: 'shell' } }))).toThrow(
      /shell cannot resume/,
    );
    const none = { conversationId: null, transcriptPath: null };
    expect(() => planStart(facts({ wish: resume, record: none }))).toThrow(CannotResumeError);
    const bad = { ...resume, conversationId: '../etc' };
    expect(() => planStart(facts({ wish: bad }))).toThrow(/not a conversation id/);
  });
});

describe('what a restarted agent is told', () => {
  const at = new Date(2026, 11, 6, 14, 3).getTime();
  it('says what happened, and when', () => {
    expect(whatHappened({ ended: 'crash', detail: 'exit status 137' }, at)).toBe(
      'restarted after a crash at 14:03 (exit status 137)',
    );
    expect(whatHappened({ ended: 'reboot' }, at)).toMatch(/^restored at 14:03 after its tmux/);
    expect(restartPrompt({ ended: 'restart', detail: 'gt session restart' }, at, [])).toBe(
      '[gastown] Your session was restarted at 14:03 (gt session restart), and your conversation was resumed. Continue where you were.',
    );
  });

  it('finds a prompt in a transcript as JSON writes it', () => {
    const line = JSON.stringify({ message: { content: 'fix "the" bug\nnow' } });
    expect(transcriptHolds(line, 'fix "the" bug\nnow')).toBe(true);
    expect(transcriptHolds(line, 'fix the bug')).toBe(false);
    expect(transcriptHolds(line, '   ')).toBe(false);
  });

  it('a fallback note carries the last screen', () => {
    const previous = { identity: 'alpha/crew/max', lastExit: 'line one\nline two' } as AgentRecord;
    const note = fallbackNote(previous, 'its transcript is gone', []);
    expect(note).toContain('could not be resumed (its transcript is gone)');
    expect(note).toContain('line one\nline two');
  });
});

describe('a resumed session that never came up', () => {
  const r = (over: Partial<AgentRecord>) => ({ sessionMode: 'resumed', ...over }) as AgentRecord;
  it.each([
    ['resumed, died starting', r({ activity: 'starting' }), true],
    ['resumed, died on a dialog', r({ activity: 'dialog' }), true],
    ['resumed, died after it was ready', r({ activity: 'ready' }), false],
    ['resumed, died busy', r({ activity: 'busy' }), false],
    ['fresh, died starting', r({ sessionMode: 'fresh', activity: 'starting' }), false],
    ['nothing on record', undefined, false],
  ])('%s', (_name, record, refused) => {
    expect(resumeRefused(record, [], claude)).toBe(refused);
  });

  it('or that said it has no such conversation, whenever it died', () => {
    const said = ['No conversation found with session ID: 0badc0de'];
    expect(resumeRefused(r({ activity: 'ready' }), said, claude)).toBe(true);
    expect(resumeRefused(r({ activity: 'ready', sessionMode: 'fresh' }), said, claude)).toBe(false);
    expect(resumeRefused(r({ activity: 'ready' }), ['Session not found: ses_x'], opencode)).toBe(
      true,
    );
  });
});

function townWithStore() {
  const root = join(tempDir('continuity'), 'town');
  installTown(root, { name: 'demo' });
  const store = SqliteStore.open(join(tempDir('continuity-db'), 'town.db'));
  onCleanup(() => store.close());
  const settings = loadSettings(root).settings;
  return { root, store, settings, now: Date.now, onEvent: undefined };
}

describe('the conversation a hook names', () => {
  it('is recorded when new, once, and only when well formed', async () => {
    const { store } = townWithStore();
    const address = formatAddress(parseIdentity('mayor'));
    const payload = { session_id: ID, transcript_path: '/home/u/.claude/projects/p/x.jsonl' };
    expect(await noteConversation(store, address, payload, undefined)).toHaveLength(1);
    const now = await store.getAgent(address);
    expect(now).toMatchObject({ conversationId: ID, transcriptPath: payload.transcript_path });
    expect(await noteConversation(store, address, payload, now)).toEqual([]);
    const bad = { session_id: '$(reboot)', transcript_path: 'relative/path' };
    expect(await noteConversation(store, address, bad, now)).toEqual([]);
    const relative = { session_id: 'other-1', transcript_path: 'relative/path' };
    await noteConversation(store, address, relative, now);
    expect(await store.getAgent(address)).toMatchObject({
      conversationId: 'other-1',
      transcriptPath: null,
    });
  });
});

describe('a prompt in flight as the session ended', () => {
  async function inFlight(transcriptText: string | null) {
    const ctx = townWithStore();
    const agent = resolveAgent(ctx, parseIdentity('mayor'));
    const transcript = join(tempDir('transcript'), 'x.jsonl');
    if (transcriptText !== null) writeFileSync(transcript, transcriptText);
    const nudge = await ctx.store.enqueueNudge({ to: 'mayor', from: 'deacon', text: 'PLEASE-42' });
    await ctx.store.updateNudge(nudge.id, ['queued'], { status: 'typed', attempts: 1 }, 1);
    const previous = await ctx.store.patchAgent('mayor', {
      startedAt: 1,
      conversationId: ID,
      transcriptPath: transcript,
      sessionMode: 'fresh',
    });
    const plan = { mode: 'resumed' as const, conversationId: ID };
    expect(await tellAfterStart(ctx, agent, plan, { ended: 'crash' }, previous)).toBe(true);
    const nudges = await ctx.store.listNudges({ to: 'mayor' });
    return { settled: nudges[0], told: nudges.slice(1).map((n) => n.text) };
  }

  it('is delivered when the transcript holds it, and not carried again', async () => {
    const { settled, told } = await inFlight(`${JSON.stringify({ content: 'PLEASE-42' })}\n`);
    expect(settled).toMatchObject({ status: 'delivered', ack: 'transcript' });
    expect(told).toHaveLength(1);
    expect(told[0]).not.toContain('PLEASE-42');
  });

  it('else fails with its reason, and the one restart prompt carries it', async () => {
    const { settled, told } = await inFlight(null);
    expect(settled?.status).toBe('failed');
    expect(settled?.error).toMatch(/ended before it was acknowledged/);
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('your conversation was resumed');
    expect(told[0]).toContain('> PLEASE-42');
  });
});

describe('a resume that failed', () => {
  it('cancels the restart prompt it left queued, leaves others, and leaves a note', async () => {
    const ctx = townWithStore();
    const agent = resolveAgent(ctx, parseIdentity('mayor'));
    const stale = await ctx.store.enqueueNudge({
      to: 'mayor',
      from: 'deacon',
      text: restartPrompt({ ended: 'restart' }, Date.now(), []),
    });
    const mine = await ctx.store.enqueueNudge({ to: 'mayor', from: 'mayor', text: 'go on' });
    const previous = await ctx.store.patchAgent('mayor', {
      startedAt: 1,
      conversationId: ID,
      sessionMode: 'resumed',
      lastExit: 'No conversation found',
    });
    const plan = { mode: 'fresh' as const, fallback: 'it said so' };
    const wish = { ended: 'resume-failed' as const, fallback: 'it said so' };
    expect(await tellAfterStart(ctx, agent, plan, wish, previous)).toBe(true);
    expect((await ctx.store.getNudge(stale.id))?.status).toBe('cancelled');
    expect((await ctx.store.getNudge(mine.id))?.status).toBe('queued');
    const [note] = await ctx.store.listInbox('mayor');
    expect(note?.subject).toBe('🤝 HANDOFF: conversation not resumed');
    expect(note?.body).toContain('No conversation found');
  });
});

describe('the note of an agent about to be compacted', () => {
  const line = (o: unknown): string => JSON.stringify(o);
  const transcript = [
    'cut first line of the tail',
    line({ type: 'user', message: { content: 'fix the PARSER bug' } }),
    line({ type: 'assistant', message: { content: [{ type: 'text', text: 'Looking at it.' }] } }),
    line({ type: 'user', message: { content: [{ type: 'tool_result', content: 'ok' }] } }),
    line({ type: 'user', isMeta: true, message: { content: 'Caveat: local commands' } }),
    line({ type: 'user', message: { content: '<command-name>/compact</command-name>' } }),
    line({ type: 'system', content: 'Compaction blocked' }),
  ].join('\n');

  it('tells the last prompt and the last reply, not the slash command', () => {
    expect(lastExchange(transcript)).toEqual({
      asked: 'fix the PARSER bug',
      said: 'Looking at it.',
    });
  });

  it('says what it could when there is no transcript', () => {
    const note = compactNote(null, 'auto');
    expect(note).toContain('about to be compacted (auto)');
    expect(note).not.toContain('The last prompt');
  });
});
