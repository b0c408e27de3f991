// Runtimes defined as data: a definition's screen patterns read screens as the built-in they
// came from does (each built-in's recorded screens, read through `gt config runtime <name>`'s
// data), and a small definition's readings, table by table.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claude } from '../../src/agents/runtime/claude.js';
import { codex } from '../../src/agents/runtime/codex.js';
import { customProfile } from '../../src/agents/runtime/custom.js';
import { gemini } from '../../src/agents/runtime/gemini.js';
import { opencode } from '../../src/agents/runtime/opencode.js';
import { pi } from '../../src/agents/runtime/pi.js';
import type { RuntimeProfile, ScreenReading } from '../../src/agents/runtime/profile.js';
import { parseSettings } from '../../src/town/settings.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');

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

/**
 * Each built-in's recorded screens, read through its own definition. Claude Code's all read the
 * same; the others keep parts only code reads (each definition's `about` says which): the
 * screens listed here read otherwise, every other one the same.
 */
const BUILT_INS: ReadonlyArray<[RuntimeProfile, string, readonly string[]]> = [
  [claude, 'claude-2.1.328', []],
  [codex, 'codex-0.171.0', ['typed_multiline_not_submitted.txt']],
  [
    gemini,
    'gemini-0.61.0',
    [
      'typed_multiline_not_submitted.txt',
      'yolo_typed_long_not_submitted.txt',
      'yolo_typed_multiline_not_submitted.txt',
      'typed_enter_as_newline.txt',
      'trust_restarting.txt',
      'yolo_trust_restarting.txt',
      'yolo_relaunched.txt',
      'yolo_starting_before_trust.txt',
    ],
  ],
  [
    pi,
    'pi-0.73.1',
    [
      'narrow_typed_multiline.txt',
      'typed_after_turn.txt',
      'typed_multiline.txt',
      'typed_not_submitted.txt',
    ],
  ],
  [
    opencode,
    'opencode-1.18.33',
    [
      'narrow_typed_pasted.txt',
      'typed_in_chat.txt',
      'typed_multiline.txt',
      'typed_not_submitted.txt',
    ],
  ],
];

describe.each(BUILT_INS.map(([p, ...rest]) => [p.name, p, ...rest] as const))(
  '%s written out as data',
  (_, builtIn, folder, differ) => {
    const def = builtIn.definition?.();
    const dir = join(FIXTURES, folder);
    const fixtures = readdirSync(dir).filter((f) => f.endsWith('.txt'));
    const mine = customProfile(
      `my-${builtIn.name}`,
      def ?? ({ command: 'x' } as never),
      () => builtIn,
    );

    it('is valid settings data that starts the same command', () => {
      const parsed = parseSettings({ runtimes: { mine: def } }, 'settings');
      expect(parsed.runtimes.mine?.command).toBe(builtIn.defaultCommand);
      expect(parsed.runtimes.mine?.hooks).toBe(builtIn.name);
    });

    it('resumes a conversation as the built-in does', () => {
      const id = '0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
      expect(def?.resume).toMatch(/\{id\}/);
      expect(mine.resume?.('cli --flag', id)).toBe(builtIn.resume?.('cli --flag', id));
    });

    it.each(fixtures.filter((f) => !differ.includes(f)))(
      'reads %s as the built-in does',
      (name) => {
        const lines = screen(dir, name);
        expect(gist(mine.read(lines))).toEqual(gist(builtIn.read(lines)));
      },
    );

    it.each(differ)('reads %s otherwise (a part only code reads)', (name) => {
      const lines = screen(dir, name);
      expect(gist(mine.read(lines))).not.toEqual(gist(builtIn.read(lines)));
    });
  },
);

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
  const toy = customProfile('toy', settings.runtimes.toy ?? ({} as never), () => undefined);

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

  it('cannot resume unless told how; resume words must hold {id} and plain words', () => {
    expect('resume' in toy).toBe(false);
    const bad = (resume: string) => () =>
      parseSettings({ runtimes: { toy: { command: 'toy', resume } } }, 'settings');
    expect(bad('--resume')).toThrow(/\{id\}/);
    expect(bad('--resume {id}; rm -rf ~')).toThrow(/plain words/);
  });

  it('classifies its own failure lines before the built-in rules', () => {
    expect(toy.classify(['oops: bad key'])).toMatchObject({ kind: 'auth' });
    expect(toy.classify(['ECONNREFUSED 127.0.0.1'])).toMatchObject({ kind: 'network' });
    expect(toy.capabilities).toEqual({ screen: true, model: true });
  });
});
