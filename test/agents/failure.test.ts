// Each failure kind read from screens recorded from the real CLIs (the scripted model server
// answering 401, 429, 5xx, 529, a refused connection, a hang), and the screens that are no
// failure at all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../../src/agents/failures/classify.js';
import { waitIn } from '../../src/agents/failures/classify.js';
import { claude } from '../../src/agents/runtime/claude.js';
import { codex } from '../../src/agents/runtime/codex.js';
import { gemini } from '../../src/agents/runtime/gemini.js';
import type { RuntimeProfile } from '../../src/agents/runtime/profile.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const screen = (dir: string, name: string): string[] =>
  readFileSync(join(FIXTURES, dir, `${name}.txt`), 'utf8').split('\n');

const cases: Array<[RuntimeProfile, string, string, FailureKind | undefined, number?]> = [
  [claude, 'claude-2.1.328', 'err401', 'auth'],
  [claude, 'claude-2.1.328', 'err401_retrying', 'auth', 4000],
  [claude, 'claude-2.1.328', 'err429_exhausted', 'rate_limited'],
  [claude, 'claude-2.1.328', 'err429_t5', 'rate_limited', 26_000],
  [claude, 'claude-2.1.328', 'err529', 'overloaded'],
  [claude, 'claude-2.1.328', 'err500', 'overloaded'],
  [claude, 'claude-2.1.328', 'connrefused', 'network'],
  [claude, 'claude-2.1.328', 'stall_midstream_46s', 'network', 254_000],
  [claude, 'claude-2.1.328', 'hang_60s', undefined],
  [claude, 'claude-2.1.328', 'ready_first', undefined],
  [claude, 'claude-2.1.328', 'after_turn', undefined],
  [claude, 'claude-2.1.328', 'busy_2s', undefined],
  [claude, 'claude-2.1.328', 'dialog_trust', undefined],
  [codex, 'codex-0.171.0', 'err401', 'auth'],
  [codex, 'codex-0.171.0', 'err429_exhausted', 'rate_limited'],
  [codex, 'codex-0.171.0', 'err429_retrying', 'rate_limited'],
  [codex, 'codex-0.171.0', 'err500', 'overloaded'],
  [codex, 'codex-0.171.0', 'connrefused', 'network'],
  [codex, 'codex-0.171.0', 'after_turn', undefined],
  [codex, 'codex-0.171.0', 'ready', undefined],
  [gemini, 'gemini-0.61.0', 'err401', 'auth'],
  [gemini, 'gemini-0.61.0', 'err400_apikey', 'auth'],
  [gemini, 'gemini-0.61.0', 'connrefused', 'network'],
  [gemini, 'gemini-0.61.0', 'after_turn', undefined],
  [gemini, 'gemini-0.61.0', 'busy_session_start_hook', undefined],
  [gemini, 'gemini-0.61.0', 'yolo_err401', 'auth'],
  [gemini, 'gemini-0.61.0', 'yolo_err429_retrying', undefined],
  [gemini, 'gemini-0.61.0', 'yolo_quota_dialog', undefined],
  [gemini, 'gemini-0.61.0', 'yolo_err429_stopped', 'rate_limited'],
  [gemini, 'gemini-0.61.0', 'yolo_err500_stopped', 'overloaded'],
  [gemini, 'gemini-0.61.0', 'yolo_after_turn', undefined],
];

describe('failure kinds from recorded screens', () => {
  it.each(cases)('%s %s/%s → %s', (profile, dir, name, kind, retryInMs) => {
    const failure = profile.classify(screen(dir, name));
    expect(failure?.kind).toBe(kind);
    if (retryInMs !== undefined) expect(failure?.retryInMs).toBe(retryInMs);
  });

  it('an error of an earlier turn is not the latest turn’s', () => {
    // err401 then a later turn that worked: the 401 line is history
    const lines = screen('claude-2.1.328', 'err401');
    const at = lines.findIndex((l) => l.startsWith('❯ ERR:401'));
    const later = [
      ...lines.slice(0, at + 2),
      '❯ next prompt',
      '● Scripted reply.',
      ...lines.slice(at + 2).filter((l) => !l.includes('401')),
    ];
    expect(claude.classify(later)).toBeUndefined();
  });

  it.each<[string, number | undefined]>([
    ['API error · retrying in 26s · attempt 1/10', 26_000],
    ['will retry in 4m 14s · check your network', 254_000],
    ['try again in 1h 5m', 3_900_000],
    ['API Error: 529', undefined],
  ])('reads the wait in %j', (text, ms) => expect(waitIn(text)).toBe(ms));
});
