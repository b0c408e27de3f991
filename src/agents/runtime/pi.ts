// Pi, the coding agent (npm @mariozechner/pi-coding-agent, recorded from 0.73.1; screens in
// test/fixtures/pi-0.73.1): no dialogs and no tool approvals, an editor between two rules over a
// footer, a spinner above the editor while it works (also while it retries an API error by
// itself, three times by default), errors printed as `Error: <status> <message>`, its hooks an
// extension of ours (pi-hooks.ts). Its tmux server wants extended-keys (Shift+Enter is a newline).
import type { FailureRule } from '../failures/classify.js';
import { classifyLines, FAILURE_RULES } from '../failures/classify.js';
import { DEFAULT_OPTION_LINE } from '../../town/settings-runtimes.js';
import { definitionOf } from './definition.js';
import { installPiHooks } from './pi-hooks.js';
import type { RuntimeProfile } from './profile.js';
import type { Blocker, InputArea, ScreenSpec } from './screen-reader.js';
import { screenReader } from './screen-reader.js';

/** The editor's top and bottom borders, full width. */
const RULE = /^─{20,}$/;
/** The footer under the editor: tokens, the context used ("0.0%/128k (auto)"), the model. */
const FOOTER = /\d%\/\S+/;
/**
 * The status line above the editor while the agent loop runs: a braille spinner, then
 * "Working...", "Retrying (1/3) in 2s... (escape to cancel)" or "Compacting…".
 */
const SPINNER = /^ [\u2801-\u28ff] \S/;

/**
 * Screens nobody may answer for Pi: a picker opened in place of the editor, and a Pi with no
 * model at all (its start-up warning, with nothing typed since).
 */
const BLOCKERS: readonly Blocker[] = [
  {
    match: [/^Only showing models from configured providers|^\s*No matching models$/],
    why: 'model picker: a person opened Pi’s model selector (Ctrl+L)',
  },
  {
    match: [/^ ?Warning: No models available\./],
    why: 'no model: Pi has no provider to talk to (a person must sign it in: /login, models.json)',
  },
];

interface Editor {
  top: number;
  bottom: number;
}

/** The editor: the last two rules, with the footer somewhere under them. */
function findEditor(lines: readonly string[]): Editor | null {
  const bottom = lines.findLastIndex((l) => RULE.test(l));
  if (bottom < 0 || !lines.slice(bottom + 1).some((l) => FOOTER.test(l))) return null;
  const top = lines.findLastIndex((l, i) => i < bottom && RULE.test(l));
  return top < 0 ? null : { top, bottom };
}

function inputArea(lines: readonly string[]): InputArea | null {
  const editor = findEditor(lines);
  if (editor === null) return null;
  const input = lines
    .slice(editor.top + 1, editor.bottom)
    .join('\n')
    .trim();
  // The spinner sits a blank line above the editor, or right above it under queued prompts.
  const busy = lines.slice(Math.max(0, editor.top - 3), editor.top).some((l) => SPINNER.test(l));
  return { input, busy };
}

/** The last block of lines (up to a blank one) above line `end`. */
function lastBlock(lines: readonly string[], end: number): string[] {
  const last = lines.findLastIndex((l, i) => i < end && l.trim() !== '');
  if (last < 0) return [];
  const blank = lines.findLastIndex((l, i) => i < last && l.trim() === '');
  return lines.slice(blank + 1, last + 1);
}

/**
 * Blocks printed after a failed turn that are not its error: the retry spinner, prompts queued
 * meanwhile, and the sign-in help under "No API key found". A warning ends the search: Pi prints
 * its start-up warnings under the history it resumes, whose last turn may have failed long ago.
 */
const AFTER_ERROR = [
  SPINNER,
  /^ ?(?:Steering|Follow-up): /,
  /^ ?↳ /,
  /^ ?(?:Use \/login|Then use \/model)\b/,
];

/**
 * The error blocks that end the chat above the editor. Pi prints a user's prompt and a reply
 * alike (the colours differ, not the text), so a failed turn is told by what comes last: its
 * `Error: …` lines (one per try while it retries), below the prompt they belong to. A reply or a
 * new prompt under them means that failure is over.
 */
export function trailingErrors(lines: readonly string[]): string[] {
  const editor = findEditor(lines);
  const end = editor?.top ?? lines.length;
  const errors: string[] = [];
  let block: string[] = [];
  for (let i = end - 1; i >= -1; i--) {
    const line = i >= 0 ? (lines[i] ?? '') : '';
    if (line.trim() !== '') {
      block.unshift(line);
      continue;
    }
    if (block.length === 0) continue;
    const head = block[0] ?? '';
    if (/^ ?Error: /.test(head)) errors.unshift(...block);
    else if (!AFTER_ERROR.some((p) => p.test(head))) break;
    block = [];
  }
  return errors;
}

/** Pi prints the HTTP status of a failed call, also once its own retries are spent. */
const TRIES = String.raw`^Error: (?:Retry failed after \d+ attempts: )?`;
const PI_FAILURES: readonly FailureRule[] = [
  { kind: 'auth', match: new RegExp(`${TRIES}40[13]\\b`) },
  { kind: 'rate_limited', match: new RegExp(`${TRIES}429\\b`) },
  { kind: 'overloaded', match: new RegExp(`${TRIES}5\\d\\d\\b`) },
  { kind: 'auth', match: /^Error: No (?:API key found|model selected)\b/ },
];

const SCREEN: ScreenSpec = {
  dialogs: [],
  blockers: BLOCKERS,
  // Pi has no dialogs of its own: only the blockers, looked for in the editor (where a picker
  // opens) and in the chat's last lines.
  dialogMark: { test: () => false },
  dialogArea: (lines) => {
    const editor = findEditor(lines);
    if (editor === null) return null;
    return [...lastBlock(lines, editor.top), ...lines.slice(editor.top + 1, editor.bottom)];
  },
  options: () => ({ options: [], selected: -1 }),
  input: inputArea,
};

export const pi: RuntimeProfile<'pi'> = {
  name: 'pi',
  recordedVersion: '0.73.1',
  program: /^pi$/,
  // Pi asks nothing before running a tool: there is no approval to bypass.
  defaultCommand: 'pi',
  env: () => ({
    // No update check and no install ping. PI_OFFLINE would also stop Pi fetching fd and
    // ripgrep, tools its agent wants: that is the user's choice, not ours.
    PI_SKIP_VERSION_CHECK: '1',
    PI_TELEMETRY: '0',
  }),
  capabilities: { screen: true, model: true },
  resume: (command, id) => `${command} --session ${id}`,
  resumeRefused: /No session found matching/,
  read: screenReader(SCREEN),
  classify: (lines) =>
    classifyLines(trailingErrors(lines.map((l) => l.trimEnd())), [
      ...PI_FAILURES,
      ...FAILURE_RULES,
    ]),
  hooks: { install: (target, commands) => installPiHooks(target.workDir, commands) },
  // A bracketed paste then Enter, even in one tmux command, submitted every time.
  submit: { keys: ['Enter'], delayMs: 30 },
  // Pi asks tmux for extended keys (Shift+Enter, a newline) and warns at start when they are off.
  tmuxServerOptions: { 'extended-keys': 'on' },
  definition: () =>
    definitionOf(pi, {
      about:
        'Pi’s editor is the lines between two rules, with no mark of its own. Here the rule is the input line: ready and busy read right, but what is typed reads as nothing, and gastown-ts submits a prompt only once it has seen it typed: as data alone it cannot take prompts.',
      screen: {
        input: RULE.source,
        placeholders: [],
        busy: [SPINNER.source],
        ready: [FOOTER.source],
        option: DEFAULT_OPTION_LINE,
      },
      blockers: BLOCKERS,
      hooks: 'pi',
      failures: PI_FAILURES,
    }),
};
