// The Codex runtime profile against screens recorded from Codex CLI 0.171.0: what each screen
// reads as, and that a dialog it does not know reads as blocked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codex } from '../../src/agents/runtime/codex.js';
import type { ScreenReading } from '../../src/agents/runtime/profile.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/codex-0.171.0');

function screen(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.txt`), 'utf8').split('\n');
}

function blocked(why: RegExp): ScreenReading {
  return { activity: 'blocked', why: expect.stringMatching(why) as string };
}

const ready: ScreenReading = { activity: 'ready', inputEmpty: true, input: '' };
const busy: ScreenReading = { activity: 'busy', input: '' };
const TRUST_OPTIONS = ['Trust and continue', 'Back to Agent Command Center'];

const cases: [title: string, fixture: string, expected: ScreenReading][] = [
  ['fresh HOME: the sign-in menu is blocked', 'signin_menu', blocked(/sign-in menu/)],
  ['"Sign in another way" menu is blocked', 'signin_another_way', blocked(/sign-in menu/)],
  ['API key entry is blocked', 'signin_apikey', blocked(/API key entry/)],
  [
    'folder trust in a git repo is answered with "Trust and continue"',
    'dialog_trust',
    { activity: 'dialog', dialog: 'trust', options: TRUST_OPTIONS, selected: 0, wanted: 0 },
  ],
  ['hooks review is blocked (not our hooks)', 'hooks_review', blocked(/hooks review/)],
  ['command approval is blocked', 'approval', blocked(/approval question/)],
  [
    'agent command center (trust left with Esc) is blocked',
    'agent_center',
    blocked(/command center/),
  ],
  [
    'first frame: composer but header "loading", no status line: starting',
    'loading',
    { activity: 'starting' },
  ],
  ['ready with the placeholder in the composer', 'ready', ready],
  ['ready in YOLO mode (approvals bypassed)', 'ready_yolo', ready],
  ['busy: "Working (2s • esc to interrupt)" above the composer', 'busy', busy],
  ['busy while a tool runs in a background terminal', 'busy_tool', busy],
  ['busy with a message queued', 'busy_with_queued', busy],
  ['after a turn ("Worked for <1s") it is ready again', 'after_turn', ready],
  [
    'pasted text not yet submitted',
    'typed_not_submitted',
    { activity: 'ready', inputEmpty: false, input: 'hello from paste test one' },
  ],
  [
    'multi-line paste not yet submitted',
    'typed_multiline_not_submitted',
    { activity: 'ready', inputEmpty: false, input: 'MULTI line one\nline two\nline three' },
  ],
  [
    'long paste shown collapsed, not yet submitted',
    'typed_long_not_submitted',
    { activity: 'ready', inputEmpty: false, input: '[Pasted Content 3009 chars]' },
  ],
  [
    'typed text whose Enter became a newline still has input',
    'typed_enter_as_newline',
    { activity: 'ready', inputEmpty: false, input: 'TYPEDFAST hello' },
  ],
  ['401 after its retries: "■ unexpected status 401" in history, reads ready', 'err401', ready],
  ['429 while retrying ("Server is busy, reconnecting 3/5"): busy', 'err429_retrying', busy],
  [
    '429 after its retries: "■ exceeded retry limit" in history, reads ready',
    'err429_exhausted',
    ready,
  ],
  [
    '500 after its retries: "■ We’re currently experiencing high demand", reads ready',
    'err500',
    ready,
  ],
  [
    'connection refused: "Reconnecting... waiting for network" never ends, reads busy',
    'connrefused',
    busy,
  ],
];

describe('codex 0.171.0 screens', () => {
  it.each(cases)('%s', (_title, fixture, expected) => {
    expect(codex.read(screen(fixture))).toEqual(expected);
  });

  it('reads a blank pane as starting', () => {
    expect(codex.read(Array<string>(50).fill(''))).toEqual({ activity: 'starting' });
  });
});

describe('codex dialogs it does not know', () => {
  it('reads a dialog-like screen with another title as blocked, not as trust', () => {
    const lines = screen('dialog_trust').map((l) =>
      l
        .replace('Folder access', 'Folder sharing')
        .replace('Trust this folder?', 'Share this folder?'),
    );
    expect(codex.read(lines)).toEqual(blocked(/does not know/));
  });

  it('reads the trust dialog without its known answer as blocked', () => {
    const lines = screen('dialog_trust').map((l) =>
      l.replace('Trust and continue', 'Continue once'),
    );
    expect(codex.read(lines)).toEqual(blocked(/trust dialog without the option/));
  });

  it('finds the wanted option when another one is selected', () => {
    const lines = screen('dialog_trust').map((l) =>
      l.replace('› 1. Trust', '  1. Trust').replace('  2. Back', '› 2. Back'),
    );
    expect(codex.read(lines)).toEqual({
      activity: 'dialog',
      dialog: 'trust',
      options: TRUST_OPTIONS,
      selected: 1,
      wanted: 0,
    });
  });
});

describe('codex profile', () => {
  it('starts with approvals bypassed and submits with a pause after the paste', () => {
    expect(codex.defaultCommand).toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(codex.submit).toEqual({ keys: ['Enter'], delayMs: 500 });
    expect(codex.recordedVersion).toBe('0.171.0');
    expect(codex.hooks).toBeNull();
  });
});
