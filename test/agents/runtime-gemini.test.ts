// The Gemini runtime profile against screens recorded from Gemini CLI 0.61.0: what each screen
// reads as, and that a dialog it does not know reads as blocked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gemini } from '../../src/agents/runtime/gemini.js';
import type { ScreenReading } from '../../src/agents/runtime/profile.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/gemini-0.61.0');

function screen(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.txt`), 'utf8').split('\n');
}

function blocked(why: RegExp): ScreenReading {
  return { activity: 'blocked', why: expect.stringMatching(why) as string };
}

const ready: ScreenReading = { activity: 'ready', inputEmpty: true, input: '' };
const busy: ScreenReading = { activity: 'busy', input: '' };
const TRUST_OPTIONS = ['Trust folder (max)', 'Trust parent folder (crew)', "Don't trust"];

const cases: [title: string, fixture: string, expected: ScreenReading][] = [
  [
    'fresh HOME: folder trust comes first and is answered with "Trust folder"',
    'dialog_trust',
    { activity: 'dialog', dialog: 'trust', options: TRUST_OPTIONS, selected: 0, wanted: 0 },
  ],
  [
    'trust answered, "restarting…" under the old dialog: starting',
    'trust_restarting',
    { activity: 'starting' },
  ],
  [
    'auth method menu (old trust dialog above it) is blocked',
    'auth_select',
    blocked(/auth method/),
  ],
  [
    'auth method menu with GEMINI_API_KEY detected is blocked',
    'auth_select_env_key',
    blocked(/auth method/),
  ],
  ['API key entry is blocked', 'apikey', blocked(/API key entry/)],
  ['shell command approval is blocked', 'approval_shell', blocked(/tool approval/)],
  ['loop detection question is blocked', 'loop_detected', blocked(/loop detection/)],
  ['ready with the placeholder in the input', 'ready_first', ready],
  ['ready after trust and sign-in, the old dialog in the scrollback', 'ready_after_dialogs', ready],
  ['busy: "Thinking... (esc to cancel, 2s)" above the input', 'busy', busy],
  ['busy while hooks run ("Executing Hooks: … (esc to cancel, 3s)")', 'busy_hooks', busy],
  ['busy with a message queued', 'busy_with_queued', busy],
  ['after a turn it is ready again', 'after_turn', ready],
  [
    'pasted text not yet submitted',
    'typed_not_submitted',
    { activity: 'ready', inputEmpty: false, input: 'hello gemini paste one' },
  ],
  [
    'multi-line paste not yet submitted',
    'typed_multiline_not_submitted',
    { activity: 'ready', inputEmpty: false, input: 'GMULTI line one\nline two\nline three' },
  ],
  [
    'long paste shown collapsed, not yet submitted',
    'typed_long_not_submitted',
    { activity: 'ready', inputEmpty: false, input: '[Pasted Text: 3010 chars]' },
  ],
  [
    'paste and Enter in one tmux command: the Enter became a newline, input remains',
    'typed_enter_as_newline',
    { activity: 'ready', inputEmpty: false, input: 'GTYPEDFAST hello\nGPASTEFAST alone' },
  ],
  ['401: "✕ [API Error: …UNAUTHENTICATED…]" in history, reads ready', 'err401', ready],
  ['400 API_KEY_INVALID: error in history, reads ready', 'err400_apikey', ready],
  [
    '429: retried for minutes with only "Thinking..." on screen, reads busy',
    'err429_retrying',
    busy,
  ],
  [
    'connection refused while retrying: only "Thinking...", reads busy',
    'connrefused_retrying',
    busy,
  ],
  [
    'connection refused after 10 attempts: "fetch failed" in history, reads ready',
    'connrefused',
    ready,
  ],
];

describe('gemini 0.61.0 screens', () => {
  it.each(cases)('%s', (_title, fixture, expected) => {
    expect(gemini.read(screen(fixture))).toEqual(expected);
  });

  it('reads a blank pane as starting', () => {
    expect(gemini.read(Array<string>(50).fill(''))).toEqual({ activity: 'starting' });
  });
});

describe('gemini dialogs it does not know', () => {
  it('reads a dialog-like box with another title as blocked, not as trust', () => {
    const lines = screen('dialog_trust').map((l) =>
      l.replace('Do you trust the files in this folder?', 'Do you share the files in this folder?'),
    );
    expect(gemini.read(lines)).toEqual(blocked(/does not know/));
  });

  it('reads the trust dialog without its known answer as blocked', () => {
    const lines = screen('dialog_trust').map((l) =>
      l.replace('Trust folder (max)', 'Trust all (max)'),
    );
    expect(gemini.read(lines)).toEqual(blocked(/trust dialog without the option/));
  });

  it('finds the wanted option when another one is selected', () => {
    const lines = screen('dialog_trust').map((l) =>
      l.replace('● 1. Trust folder', '  1. Trust folder').replace("  3. Don't", "● 3. Don't"),
    );
    expect(gemini.read(lines)).toEqual({
      activity: 'dialog',
      dialog: 'trust',
      options: TRUST_OPTIONS,
      selected: 2,
      wanted: 0,
    });
  });
});

describe('gemini profile', () => {
  it('starts in yolo mode and submits with a pause after the paste', () => {
    expect(gemini.defaultCommand).toBe('gemini --yolo');
    expect(gemini.submit).toEqual({ keys: ['Enter'], delayMs: 150 });
    expect(gemini.recordedVersion).toBe('0.61.0');
    expect(gemini.hooks).toBeNull();
  });
});
