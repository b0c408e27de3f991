// Runtimes defined as data: a definition's screen patterns read screens as the built-in they
// came from does (Claude Code's recorded screens, read through `gt config runtime claude`'s
// data), and a small definition's readings, table by table.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claude } from '../../src/agents/runtime/claude.js';
import { customProfile } from '../../src/agents/runtime/custom.js';
import type { ScreenReading } from '../../src/agents/runtime/profile.js';
import { parseSettings } from '../../src/town/settings.js';

const CLAUDE_FIXTURES = join(import.meta.dirname, '../fixtures/claude-2.1.328');

function screen(dir: string, name: string): string[] {
  return readFileSync(join(dir, name), 'utf8').split('\n');
}

/** What a reading says that matters to the daemon: the activity, the dialog, what is typed. */
function gist(r: ScreenReading): unknown {
  switch (r.activity) {
    case 'ready':
    case 'busy':
      return { activity: r.activity, input: r.input };
    case 'dialog':
      return { activity: r.activity, dialog: r.dialog, selected: r.selected, wanted: r.wanted };
    default:
      return { activity: r.activity };
  }
}

describe('a built-in written out as data', () => {
  const def = claude.definition?.();
  const mine = customProfile('my-claude', def ?? ({ command: 'x' } as never), () => claude.hooks);
  const fixtures = readdirSync(CLAUDE_FIXTURES).filter((f) => f.endsWith('.txt'));

  it('is valid settings data', () => {
    const parsed = parseSettings({ runtimes: { 'my-claude': def } }, 'settings');
    expect(parsed.runtimes['my-claude']?.command).toBe('claude --dangerously-skip-permissions');
  });

  it.each(fixtures)('reads %s as the built-in Claude Code profile does', (name) => {
    const lines = screen(CLAUDE_FIXTURES, name);
    expect(gist(mine.read(lines))).toEqual(gist(claude.read(lines)));
  });
});

describe('a small definition', () => {
  const settings = parseSettings(
    {
      runtimes: {
        toy: {
          command: 'toy',
          screen: { input: '^>(?: (.*))?$', busy: ['^working'], placeholders: ['^type here$'] },
          dialogs: [{ id: 'trust', match: ['Trust\\?'], choose: '^Yes' }],
          blockers: [{ match: ['Log in'], why: 'needs a person to log in' }],
          failures: [{ kind: 'auth', match: 'bad key' }],
        },
      },
    },
    'settings',
  );
  const toy = customProfile('toy', settings.runtimes.toy ?? ({} as never), () => null);

  it.each<[string, string[], ScreenReading]>([
    ['nothing yet', [''], { activity: 'starting' }],
    [
      'a known dialog',
      ['Trust?', '❯ 1. No', '  2. Yes'],
      { activity: 'dialog', dialog: 'trust', options: ['No', 'Yes'], selected: 0, wanted: 1 },
    ],
    [
      'a screen nobody may answer',
      ['Log in to continue', '❯ 1. Browser'],
      { activity: 'blocked', why: 'needs a person to log in' },
    ],
    [
      'an unknown dialog',
      ['Delete everything?', '❯ 1. Yes', '  2. No'],
      { activity: 'blocked', why: 'a dialog gastown-ts does not know' },
    ],
    ['ready, empty', ['hello', '>'], { activity: 'ready', inputEmpty: true, input: '' }],
    ['ready, a placeholder', ['> type here'], { activity: 'ready', inputEmpty: true, input: '' }],
    ['ready, text typed', ['> fix it'], { activity: 'ready', inputEmpty: false, input: 'fix it' }],
    ['busy', ['working…', '>'], { activity: 'busy', input: '' }],
  ])('%s', (_, lines, reading) => {
    expect(toy.read(lines)).toEqual(reading);
  });

  it('classifies its own failure lines before the built-in rules', () => {
    expect(toy.classify(['oops: bad key'])).toMatchObject({ kind: 'auth' });
    expect(toy.classify(['ECONNREFUSED 127.0.0.1'])).toMatchObject({ kind: 'network' });
    expect(toy.capabilities).toEqual({ screen: true, model: true });
  });
});
