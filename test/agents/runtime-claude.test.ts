// The Claude Code screen reader against screens recorded from the real CLI (2.1.328).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claude, dialogOptions, inputText } from '../../src/agents/runtime/claude.js';
import type { ScreenReading } from '../../src/agents/runtime/profile.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'claude-2.1.328');
const screen = (name: string): string[] =>
  readFileSync(join(DIR, `${name}.txt`), 'utf8').split('\n');

describe('Claude Code screens', () => {
  it.each<[string, Partial<ScreenReading>]>([
    [
      'dialog_trust',
      {
        activity: 'dialog',
        dialog: 'trust',
        options: ['No, exit', 'Yes, I trust this folder'],
        selected: 0,
        wanted: 1,
      },
    ],
    ['dialog_trust_down', { activity: 'dialog', dialog: 'trust', selected: 1, wanted: 1 }],
    ['dialog_trust_with_hooks', { activity: 'dialog', dialog: 'trust', selected: 0, wanted: 1 }],
    [
      'dialog_apikey',
      {
        activity: 'dialog',
        dialog: 'api-key',
        options: ['Yes', 'No (recommended)'],
        selected: 1,
        wanted: 0,
      },
    ],
    ['dialog_apikey_up', { activity: 'dialog', dialog: 'api-key', selected: 0, wanted: 0 }],
    [
      'dialog_bypass',
      {
        activity: 'dialog',
        dialog: 'bypass-permissions',
        options: ['No, exit', 'Yes, I accept'],
        selected: 0,
        wanted: 1,
      },
    ],
    [
      'dialog_bypass_down',
      { activity: 'dialog', dialog: 'bypass-permissions', selected: 1, wanted: 1 },
    ],
    ['ready_first', { activity: 'ready', inputEmpty: true, input: '' }],
    ['ready_preaccepted', { activity: 'ready', inputEmpty: true }],
    ['after_turn', { activity: 'ready', inputEmpty: true }],
    [
      'typed_not_submitted',
      {
        activity: 'ready',
        inputEmpty: false,
        input: 'Hello there SAY:Hi from the scripted server.',
      },
    ],
    [
      'typed_multiline_not_submitted',
      { activity: 'ready', inputEmpty: false, input: '[Pasted text #1 +3 lines]' },
    ],
    [
      'typed_long_not_submitted',
      { activity: 'ready', inputEmpty: false, input: '[Pasted text #2]' },
    ],
    ['busy_2s', { activity: 'busy', input: '' }],
    ['busy_10s', { activity: 'busy' }],
    ['busy_with_queued', { activity: 'busy', input: '' }],
    ['err429_t5', { activity: 'busy' }],
    ['err401', { activity: 'ready', inputEmpty: true }],
    ['connrefused', { activity: 'ready', inputEmpty: true }],
    ['ups_blocked', { activity: 'ready' }],
  ])('%s', (name, expected) => {
    expect(claude.read(screen(name))).toMatchObject(expected);
  });

  it('a permission question is never answered: blocked, with the question', () => {
    const reading = claude.read(screen('permission_prompt'));
    expect(reading).toMatchObject({ activity: 'blocked' });
    expect(reading.activity === 'blocked' && reading.why).toMatch(/Do you want to proceed\?/);
  });

  it('a dialog whose title changed in a new version reads as blocked, not as the old one', () => {
    const changed = screen('dialog_trust').map((l) =>
      l.replace('Is this a project you created or one you trust?', 'Do you want to let Claude in?'),
    );
    expect(claude.read(changed)).toMatchObject({ activity: 'blocked' });
  });

  it('a known dialog whose options were renamed is blocked: no blind Enter', () => {
    const renamed = screen('dialog_bypass').map((l) => l.replace('Yes, I accept', 'Continue'));
    expect(claude.read(renamed)).toMatchObject({ activity: 'blocked' });
  });

  it('a blank screen, or one still drawing, is starting', () => {
    expect(claude.read(['', '', ''])).toEqual({ activity: 'starting' });
    expect(claude.read(screen('ready_first').slice(0, 5))).toEqual({ activity: 'starting' });
  });

  it('reads options and the input box as parts', () => {
    const lines = screen('dialog_trust');
    const footer = lines.findIndex((l) => l.includes('Enter to confirm'));
    expect(dialogOptions(lines, footer)).toEqual({
      options: ['No, exit', 'Yes, I trust this folder'],
      selected: 0,
    });
    expect(inputText(['❯\u00a0two', '  lines', '─'.repeat(30)])).toBe('two\nlines');
    expect(inputText(['nothing here'])).toBeUndefined();
  });
});
