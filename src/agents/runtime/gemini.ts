// Google Gemini CLI (recorded from 0.61.0; screens in test/fixtures/gemini-0.61.0): how it starts,
// the one dialog answered for it (folder trust), and how its screen reads.
import { classifyLines, FAILURE_RULES, latestTurn } from '../failures/classify.js';
import { listOptions } from './numbered-dialog.js';
import type { DialogRule, RuntimeProfile } from './profile.js';
import type { Blocker, InputArea, ScreenSpec } from './screen-reader.js';
import { screenReader } from './screen-reader.js';

/** A boxed dialog option; the named group `mark` is `●` on the selected one, blank otherwise. */
const OPTION_LINE = /^\s*│\s+(?<mark>[● ])\s+(?<n>\d+)\.\s+(?<label>.*?)\s*│?\s*$/;

/**
 * Gemini CLI asks first, before any sign-in, whether to trust the work dir. "Trust folder (…)"
 * trusts only the work dir itself, not its parent; Gemini then restarts in the same pane.
 */
const TRUST: DialogRule = {
  id: 'trust',
  match: [/Do you trust the files in this folder\?/],
  choose: /^Trust folder \(/,
};

const BLOCKERS: readonly Blocker[] = [
  {
    match: [/How would you like to authenticate/],
    why: 'auth method menu: a person must choose how Gemini CLI signs in',
  },
  {
    match: [/Enter Gemini API Key/],
    why: 'API key entry: a person must sign Gemini CLI in',
  },
  {
    match: [/Allow execution of/],
    why: 'tool approval: Gemini CLI asks before running a command',
  },
  {
    match: [/A potential loop was detected/],
    why: 'loop detection question: Gemini CLI halted a repeating reply',
  },
];

/** A selected option in any boxed dialog, known or not. */
const SELECTED_OPTION = /^\s*│\s*●\s*\d+\.\s/;
/** The rule above the input area, full width. */
const DIVIDER = /^─{20,}$/;
const PROMPT = /^ > /;
const PLACEHOLDER = ' >   Type your message or @path/to/file';
/** The footer under the input area: workspace, sandbox and model columns. */
const FOOTER = /^ workspace \(/;
/**
 * The status line above the divider while a turn runs ("⠸ Thinking... (esc to cancel, 2s)",
 * "Executing Hooks: … (esc to cancel, 3s)"). The input line stays visible meanwhile, and a 429
 * or 5xx shows nothing else for many minutes while Gemini CLI retries.
 */
const BUSY = /esc to cancel|Thinking\.\.\./;

/**
 * The box a live dialog sits in: the last thing on screen. Answered dialogs stay in the
 * scrollback above newer output (the trust dialog does, above "restarting…"), so a box with
 * anything under it is history.
 */
function liveBox(lines: readonly string[]): readonly string[] | null {
  const bottom = lines.findLastIndex((l) => l !== '');
  if (!/^\s*╰/.test(lines[bottom] ?? '')) return null;
  // Boxes nested inside a dialog (the command, the API key field) start with `│`, not `╭`.
  const top = lines.findLastIndex((l, i) => i < bottom && /^\s*╭/.test(l));
  return lines.slice(Math.max(top, 0), bottom + 1);
}

/** The input area's first line: just under the last divider, past one hint line. */
function findPrompt(lines: readonly string[]): { divider: number; at: number } | null {
  const divider = lines.findLastIndex((l) => DIVIDER.test(l));
  if (divider < 0) return null;
  const at = lines.findIndex((l, i) => i > divider && i <= divider + 4 && PROMPT.test(l));
  return at < 0 ? null : { divider, at };
}

/** What is typed: the prompt line and its indented continuation lines, up to the footer. */
function promptInput(lines: readonly string[], at: number): string {
  if (lines[at] === PLACEHOLDER) return '';
  const footer = lines.findIndex((l, i) => i > at && FOOTER.test(l));
  // Without the footer (a narrow pane), the input ends at its first blank line.
  const end = footer >= 0 ? footer : lines.findIndex((l, i) => i > at && l === '');
  const body = lines
    .slice(at, end >= 0 ? end : lines.length)
    .map((l, i) => (i === 0 ? l.replace(PROMPT, '') : l.replace(/^ {3}/, '')));
  while (body.at(-1) === '') body.pop();
  return body.join('\n');
}

function inputArea(lines: readonly string[]): InputArea | null {
  const prompt = findPrompt(lines);
  if (prompt === null) return null;
  const status = lines.findLast((l, i) => i < prompt.divider && l !== '') ?? '';
  return { input: promptInput(lines, prompt.at), busy: BUSY.test(status) };
}

const SCREEN: ScreenSpec = {
  dialogs: [TRUST],
  blockers: BLOCKERS,
  // A live box without a selected option is a tool's output, not a dialog.
  dialogMark: SELECTED_OPTION,
  dialogArea: liveBox,
  options: (area) => listOptions(area, OPTION_LINE),
  input: inputArea,
};

export const gemini: RuntimeProfile<'gemini'> = {
  name: 'gemini',
  recordedVersion: '0.61.0',
  program: /^gemini$/,
  // --yolo approves every tool call; settings cannot (general.defaultApprovalMode has no yolo).
  // Its documentation says yolo turns the sandbox on, but 0.61.0 reads the sandbox only from
  // --sandbox, GEMINI_SANDBOX and tools.sandbox, so no container is needed.
  defaultCommand: 'gemini --yolo',
  env: () => ({}),
  capabilities: { screen: true, model: true },
  read: screenReader(SCREEN),
  classify: (lines) => classifyLines(latestTurn(lines, /^ > /, true), FAILURE_RULES),
  // Gemini CLI has settings.json hooks (SessionStart, BeforeAgent, AfterAgent, Notification, …;
  // JSON on stdin, timeouts in ms; user-level ones need no trust); gastown-ts installs none yet.
  hooks: null,
  // A bracketed paste then Enter in the same tmux command became a newline; with 100, 250 and
  // 400 ms between them it submitted, so 150 ms leaves a margin.
  submit: { keys: ['Enter'], delayMs: 150 },
};
