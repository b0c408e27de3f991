// Claude Code (recorded from 2.1.328): its three start-up dialogs and the answer to each, how
// its screen says ready or busy, and its hooks. The screens behind every rule are fixtures
// in test/fixtures/claude-2.1.328.
import { classifyLines, FAILURE_RULES, latestTurn } from '../failures/classify.js';
import type { DialogRule, RuntimeProfile } from './profile.js';
import { answerClaudeAhead } from './claude-config.js';
import { installClaudeHooks } from './claude-hooks.js';
import type { InputArea, OptionList, ScreenSpec } from './screen-reader.js';
import { screenReader } from './screen-reader.js';
import { definitionOf } from './definition.js';

/** The input box starts with ❯ and a no-break space; echoed prompts use a plain space. */
const INPUT_MARK = '❯\u00a0';
/** What the input box shows when nothing is typed in it. */
const PLACEHOLDERS = [
  /^Resend your message to try again$/,
  /^Once fixed, resend your message$/,
  /^Press up to edit queued messages$/,
  /^Try "/,
];
/** The footer line under the input box while Claude waits for input (or for a paste's Enter). */
const READY_FOOTER =
  /(bypass permissions on|auto mode on|manual mode on|accept edits on|plan mode on|\? for shortcuts)|paste again to expand/;
const BUSY_FOOTER = /esc to interrupt/;
const DIALOG_FOOTER = /Enter to confirm · Esc to cancel|Esc to cancel · Tab to amend/;
const RULE = /^─{20,}/;

export const CLAUDE_DIALOGS: readonly DialogRule[] = [
  {
    id: 'trust',
    match: [/Is this a project you created or one you trust\?/],
    choose: /^Yes, I trust this folder$/,
  },
  {
    // Shown when ANTHROPIC_API_KEY is set: its default declines the key, leaving the agent
    // unable to reach its model while it looks ready.
    id: 'api-key',
    match: [/Detected a custom API key in your environment/, /Do you want to use this API key\?/],
    choose: /^Yes$/,
  },
  {
    id: 'bypass-permissions',
    match: [/WARNING: Claude Code running in Bypass Permissions mode/],
    choose: /^Yes, I accept$/,
  },
];

/** The options of the dialog whose footer is at `footer`: the ❯ line and its indented siblings. */
export function dialogOptions(lines: readonly string[], footer: number): OptionList {
  let at = footer - 1;
  while (at >= 0 && (lines[at] ?? '').trim() === '') at--;
  let chosen = -1;
  for (let i = at; i >= 0 && i > at - 12; i--) {
    if (/^\s*❯ /.test(lines[i] ?? '')) {
      chosen = i;
      break;
    }
  }
  if (chosen < 0) return { options: [], selected: -1 };
  const indent = (lines[chosen] ?? '').indexOf('❯') + 2;
  const sibling = (line: string): boolean =>
    line.length > indent && line.slice(0, indent).trim() === '' && line[indent] !== ' ';
  let first = chosen;
  while (first > 0 && sibling(lines[first - 1] ?? '')) first--;
  let last = chosen;
  while (last + 1 <= at && sibling(lines[last + 1] ?? '')) last++;
  const options = lines.slice(first, last + 1).map((l) =>
    l
      .replace(/^\s*❯ /, '')
      .trim()
      .replace(/^\d+\.\s+/, ''),
  );
  return { options, selected: chosen - first };
}

/** What is typed in the input box ('' for nothing, or a placeholder). */
export function inputText(lines: readonly string[]): string | undefined {
  const at = lines.findLastIndex((l) => l.startsWith(INPUT_MARK));
  if (at < 0) return undefined;
  const parts = [(lines[at] ?? '').slice(INPUT_MARK.length).replace(/[ \t]+$/, '')];
  for (let i = at + 1; i < lines.length && !RULE.test(lines[i] ?? ''); i++)
    parts.push((lines[i] ?? '').replace(/^ {2}/, '').replace(/[ \t]+$/, ''));
  const typed = parts.join('\n').trim();
  return PLACEHOLDERS.some((p) => p.test(typed)) ? '' : typed;
}

/** The footer under the input box says busy or ready; the input box can be gone while busy. */
function inputArea(lines: readonly string[]): InputArea | null {
  const last = lines.findLast((l) => l.trim() !== '') ?? '';
  const input = inputText(lines);
  if (BUSY_FOOTER.test(last)) return { input: input ?? '', busy: true };
  if (input !== undefined && READY_FOOTER.test(last)) return { input, busy: false };
  return null;
}

const dialogFooter = (lines: readonly string[]): number =>
  lines.findIndex((l) => DIALOG_FOOTER.test(l));

const SCREEN: ScreenSpec = {
  // Only spaces are trimmed: the input box's no-break space is part of its mark.
  trimEnd: (line) => line.replace(/[ \t]+$/, ''),
  dialogs: CLAUDE_DIALOGS,
  blockers: [],
  // Any screen with a dialog's footer is a dialog; an unknown one names its question.
  question: /\?$/,
  dialogArea: (lines) => (dialogFooter(lines) >= 0 ? lines : null),
  options: (area) => dialogOptions(area, dialogFooter(area)),
  input: inputArea,
};

export const claude: RuntimeProfile<'claude'> = {
  name: 'claude',
  recordedVersion: '2.1.328',
  program: /^claude(\.exe)?$/,
  defaultCommand: 'claude --dangerously-skip-permissions',
  env: ({ root }) => ({
    // Nothing but the model's own requests: no telemetry, no update checks.
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    // Claude Code refuses --dangerously-skip-permissions under root unless told it is sandboxed.
    ...(root ? { IS_SANDBOX: '1' } : {}),
  }),
  capabilities: { screen: true, model: true },
  // The same conversation, under its own id (without --fork-session it is not copied).
  resume: (command, id) => `${command} --resume ${id}`,
  resumeRefused: /No conversation found with session ID/,
  read: screenReader(SCREEN),
  classify: (lines) => classifyLines(latestTurn(lines, /^❯ /, false), FAILURE_RULES),
  hooks: {
    install: (target, commands, command) => installClaudeHooks(target.workDir, commands, command),
  },
  answerAhead: answerClaudeAhead,
  // A bracketed paste then Enter submits once the prompt is ready (an Enter before it is lost).
  submit: { keys: ['Enter'], delayMs: 30 },
  definition: () =>
    definitionOf(claude, {
      screen: {
        input: `^${INPUT_MARK}(.*)$`,
        placeholders: PLACEHOLDERS.map((p) => p.source),
        busy: [BUSY_FOOTER.source],
        ready: [READY_FOOTER.source],
        option: '^ {1,3}(?<mark>❯| ) (?<label>\\S.*?)\\s*$',
        question: '\\?$',
      },
      dialogs: CLAUDE_DIALOGS,
      hooks: 'claude',
    }),
};
