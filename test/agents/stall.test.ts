// A busy agent with nothing new on its screen: the screen's clocks and spinners are not
// progress (screens recorded from the real CLIs), and the steps taken over a quiet stretch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StallRecord, StallStep } from '../../src/agents/failures/stall.js';
import { decideStall, progressPrint, STALL_TEXT } from '../../src/agents/failures/stall.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const screen = (dir: string, name: string): string[] =>
  readFileSync(join(FIXTURES, dir, `${name}.txt`), 'utf8').split('\n');

/** The same screen a while later: every number moved on, the spinner turned. */
const later = (lines: string[]): string[] =>
  lines.map((l) => l.replace(/\d+/g, (d) => String(Number(d) + 7)).replace(/[·✻✽✶✳✢]/g, '✽'));

describe('progressPrint', () => {
  const screens: Array<[string, string]> = [
    ['claude-2.1.328', 'hang_60s'],
    ['claude-2.1.328', 'busy_2s'],
    ['claude-2.1.328', 'busy_10s'],
    ['codex-0.171.0', 'busy'],
    ['codex-0.171.0', 'busy_tool'],
    ['gemini-0.61.0', 'busy'],
    ['gemini-0.61.0', 'yolo_busy_long'],
  ];
  it.each(screens)('%s %s: its clock and spinner moving is no progress', (dir, name) => {
    const lines = screen(dir, name);
    expect(progressPrint(later(lines))).toBe(progressPrint(lines));
    expect(progressPrint(lines)).not.toBe('');
  });

  it('hints that come and go around the input box are no progress', () => {
    const lines = screen('claude-2.1.328', 'hang_60s');
    const rule = lines.findIndex((l) => l.startsWith('────'));
    const hinted = [...lines];
    hinted[rule - 1] = `${' '.repeat(100)}◐ medium · /effort`;
    hinted[hinted.length - 2] = '  ⏵⏵ bypass permissions on (shift+tab to cycle)';
    expect(progressPrint(hinted)).toBe(progressPrint(lines));
    expect(progressPrint(lines)).toMatch(/HANG forever$/);
  });

  it('new output is progress', () => {
    const lines = screen('claude-2.1.328', 'hang_60s');
    const more = [...lines.slice(0, 6), '● Read 3 files', ...lines.slice(6)];
    expect(progressPrint(more)).not.toBe(progressPrint(lines));
  });

  it('our own status question, typed and queued, is no progress', () => {
    const lines = screen('claude-2.1.328', 'hang_60s');
    const asked = [
      ...lines.slice(0, 6),
      `❯ ${STALL_TEXT}`,
      '  ⎿  Queued · ctrl+x ctrl+s to send now',
      ...lines.slice(6),
    ];
    expect(progressPrint(asked)).toBe(progressPrint(lines));
    expect(STALL_TEXT.length).toBeLessThan(60); // one screen line, never wrapped
  });

  it('our status question queued by Gemini CLI is no progress, though it pushes the screen up', () => {
    const before = screen('gemini-0.61.0', 'yolo_busy_long');
    const asked = screen('gemini-0.61.0', 'yolo_busy_with_queued');
    expect(asked.join('\n')).toContain(`    ${STALL_TEXT}`);
    expect(asked.slice(0, 3)).not.toEqual(before.slice(0, 3)); // scrolled
    expect(progressPrint(asked)).toBe(progressPrint(before));
    expect(progressPrint(asked)).toMatch(/> long wait DELAY:# SAY:finally$/);
  });
});

describe('decideStall', () => {
  const AFTER = 60_000;
  const base: StallRecord = {
    activity: 'busy',
    activitySince: 0,
    failureKind: null,
    failureSince: null,
    failureUntil: null,
    failureCount: null,
  };
  const asked = {
    failureKind: 'stalled',
    failureSince: 70_000,
    failureUntil: 130_000,
    failureCount: 1,
  };
  const marked = { ...asked, failureUntil: null, failureCount: 2 };
  const cases: Array<[string, Partial<StallRecord>, number, number, StallStep]> = [
    ['busy, quiet less than stall_after', {}, 10_000, 69_999, 'none'],
    ['busy, quiet stall_after', {}, 10_000, 70_000, 'nudge'],
    [
      'the turn began after the screen last changed',
      { activitySince: 50_000 },
      10_000,
      100_000,
      'none',
    ],
    ['ready, however long quiet', { activity: 'ready' }, 0, 1_000_000, 'none'],
    [
      'another failure (a rate limit waited out)',
      { failureKind: 'rate_limited' },
      0,
      1_000_000,
      'none',
    ],
    ['asked, still quiet, not yet stall_after again', asked, 10_000, 129_999, 'none'],
    ['asked, still quiet stall_after again', asked, 10_000, 130_000, 'mark'],
    ['asked, then its screen moved', asked, 75_000, 80_000, 'clear'],
    ['asked, then its turn ended', { ...asked, activity: 'ready' }, 10_000, 80_000, 'clear'],
    ['marked, still quiet: nothing more', marked, 10_000, 10_000_000, 'none'],
    ['marked, then its screen moved', marked, 200_000, 200_001, 'clear'],
  ];
  it.each(cases)('%s', (_name, patch, progressAt, now, step) => {
    expect(decideStall({ ...base, ...patch }, progressAt, now, AFTER)).toBe(step);
  });
});
