// Google Gemini CLI (recorded from 0.61.0; screens in test/fixtures/gemini-0.61.0): how it starts,
// the dialogs answered for it (folder trust, keep retrying), how its screen reads, its hooks.
import type { FailureRule } from '../failures/classify.js';
import { classifyLines, FAILURE_RULES } from '../failures/classify.js';
import { definitionOf } from './definition.js';
import { installGeminiHooks, trustWorkDir } from './gemini-hooks.js';
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

/**
 * After its own retries of a 429 or a 5xx (ten by default, general.maxAttempts), and only with
 * ui.errorVerbosity "full" (low retries silently for ever), Gemini CLI asks whether to keep
 * trying. "Stop" ends the turn with the API's own error on screen, which tells a rate limit
 * from an overload; the daemon's pause and probe then take over from the CLI's retrying.
 */
const QUOTA: DialogRule = {
  id: 'quota',
  match: [/We are currently experiencing high demand|Usage limit reached for /],
  choose: /^Stop$/,
};

/** A selected option in any boxed dialog, known or not. */
const SELECTED_OPTION = /^\s*│\s*●\s*\d+\.\s/;
/** The rule above the input area, full width. */
const DIVIDER = /^─{20,}$/;
/** The input line's mark: `>`, `*` in YOLO mode, `!` in shell mode, `(r:)` searching history. */
const PROMPT = /^ (?:[>*!]|\(r:\)) /;
const PLACEHOLDER =
  /^ (?:[>*!]|\(r:\)) +(?:Type your message or @path\/to\/file|Type your shell command)$/;
/** The footer under the input area: workspace, sandbox and model columns. */
const FOOTER = /^ workspace \(/;
/** With true colour the input area is a shaded box between half-block rules. */
const SHADE_BOTTOM = /^▀+$/;
/**
 * The status line just above the divider while a turn runs ("⠸ Thinking... (esc to cancel,
 * 2s)"), or while hooks run ("Executing Hook: gt agent report stop", without a clock). The
 * input line stays visible meanwhile.
 */
const BUSY = /esc to cancel|Thinking\.\.\.|Executing Hooks?:/;

/**
 * The box a live dialog sits in: the last thing on screen, as its first and last line. Answered
 * dialogs stay in the scrollback above newer output (the trust dialog does, above
 * "restarting…"), so a box with anything under it is history.
 */
function liveBoxAt(lines: readonly string[]): { top: number; bottom: number } | null {
  const bottom = lines.findLastIndex((l) => l !== '');
  if (!/^\s*╰/.test(lines[bottom] ?? '')) return null;
  // Boxes nested inside a dialog (the command, the API key field) start with `│`, not `╭`.
  const top = lines.findLastIndex((l, i) => i < bottom && /^\s*╭/.test(l));
  return { top: Math.max(top, 0), bottom };
}

function liveBox(lines: readonly string[]): readonly string[] | null {
  const box = liveBoxAt(lines);
  return box === null ? null : lines.slice(box.top, box.bottom + 1);
}

/** The input area's first line: just under the last divider, past the mode and shading lines. */
function findPrompt(lines: readonly string[]): { divider: number; at: number } | null {
  const divider = lines.findLastIndex((l) => DIVIDER.test(l));
  if (divider < 0) return null;
  const at = lines.findIndex((l, i) => i > divider && i <= divider + 4 && PROMPT.test(l));
  return at < 0 ? null : { divider, at };
}

/** What is typed: the prompt line and its indented continuation lines, up to the footer. */
function promptInput(lines: readonly string[], at: number): string {
  if (PLACEHOLDER.test(lines[at] ?? '')) return '';
  const bottom = lines.findIndex((l, i) => i > at && (SHADE_BOTTOM.test(l) || FOOTER.test(l)));
  // Without either (a narrow pane), the input ends at its first blank line.
  const end = bottom >= 0 ? bottom : lines.findIndex((l, i) => i > at && l === '');
  const body = lines
    .slice(at, end >= 0 ? end : lines.length)
    .map((l, i) => (i === 0 ? l.replace(PROMPT, '') : l.replace(/^ {3}/, '')));
  while (body.at(-1) === '') body.pop();
  return body.join('\n');
}

/** The line the previous process leaves when Gemini CLI restarts itself (trust given). */
const RESTARTING = /Gemini CLI is restarting/;

/**
 * Gemini CLI draws its input first and its banner above it once its session is up: before that,
 * in a folder not yet trusted, the trust dialog replaces the input (so a prompt typed into that
 * first frame would land in the dialog), and after a restart the new input sits under the old
 * screen. A prompt with nothing drawn above it since the screen's start (or since the
 * "restarting" line) is still starting.
 */
function sessionDrawn(lines: readonly string[], status: number): boolean {
  const from = lines.findLastIndex((l, i) => i < status && RESTARTING.test(l)) + 1;
  return lines.slice(from, Math.max(status, from)).some((l) => l.trim() !== '');
}

function inputArea(lines: readonly string[]): InputArea | null {
  const prompt = findPrompt(lines);
  if (prompt === null) return null;
  const status = prompt.divider - 1;
  if (!sessionDrawn(lines, status)) return null;
  return { input: promptInput(lines, prompt.at), busy: BUSY.test(lines[status] ?? '') };
}

/**
 * The latest turn's output: from under its prompt to the status line over the input, or to a
 * live dialog (whose text is a question, not what the turn printed).
 */
function latestOutput(lines: readonly string[]): readonly string[] {
  const end = findPrompt(lines)?.divider ?? liveBoxAt(lines)?.top ?? lines.length;
  const start = lines.findLastIndex((l, i) => i < end && PROMPT.test(l));
  return lines.slice(start + 1, end);
}

/** Gemini CLI prints the API's JSON error as it came: its code says what the words may not. */
const GEMINI_FAILURES: readonly FailureRule[] = [
  { kind: 'rate_limited', match: /API Error: .*"code":\s*429\b/ },
  { kind: 'overloaded', match: /API Error: .*"code":\s*5\d\d\b/ },
];

const SCREEN: ScreenSpec = {
  dialogs: [TRUST, QUOTA],
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
  resume: (command, id) => `${command} --resume ${id}`,
  resumeRefused: /Error resuming session:/,
  read: screenReader(SCREEN),
  classify: (lines) =>
    classifyLines(latestOutput(lines.map((l) => l.trimEnd())), [
      ...GEMINI_FAILURES,
      ...FAILURE_RULES,
    ]),
  // In the work dir's .gemini/settings.json, read in a trusted folder: the work dir is trusted
  // first, in the trusted folders of the session's HOME.
  hooks: {
    install: (target, commands) => {
      installGeminiHooks(target.workDir, commands);
      trustWorkDir(target.env, target.workDir);
    },
  },
  // A bracketed paste then Enter in the same tmux command became a newline; with 100, 250 and
  // 400 ms between them it submitted, so 150 ms leaves a margin.
  submit: { keys: ['Enter'], delayMs: 150 },
  definition: () =>
    definitionOf(gemini, {
      about:
        'Code reads what the data cannot: a draft of many lines (here only its first line), and the first frames before the banner is drawn, and after a restart for trust, which read as ready here although a prompt typed then would be lost.',
      screen: {
        input: String.raw`^ (?:[>*!]|\(r:\)) +(.*)$`,
        placeholders: ['^(?:Type your message or @path/to/file|Type your shell command)$'],
        busy: [BUSY.source],
        ready: [FOOTER.source],
        option: OPTION_LINE.source,
      },
      dialogs: SCREEN.dialogs,
      blockers: BLOCKERS,
      hooks: 'gemini',
      failures: GEMINI_FAILURES,
    }),
};
