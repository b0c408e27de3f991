// Parts of the Claude Code screen reader on their own; what each recorded screen reads as is in
// test/fixtures/claude-2.1.328/expected.json (runtime-fixtures.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialogOptions, inputText } from '../../src/agents/runtime/claude.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'claude-2.1.328');
const screen = (name: string): string[] =>
  readFileSync(join(DIR, `${name}.txt`), 'utf8').split('\n');

describe('Claude Code screens', () => {
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
