// OpenCode (npm opencode-ai, recorded from 1.18.33; screens in test/fixtures/opencode-1.18.33):
// a prompt box (a left bar over a `▀` edge, the agent and model on its last line), a status line
// under it ("esc interrupt" while it works, and the error while it retries a failed call by
// itself: five tries, then the error under the turn), no dialogs with a model configured, and
// permission prompts that `--auto` approves. Its hooks are a plugin of ours (opencode-hooks.ts).
import type { FailureRule } from '../failures/classify.js';
import { classifyLines, FAILURE_RULES } from '../failures/classify.js';
import { DEFAULT_OPTION_LINE } from '../../town/settings-runtimes.js';
import { definitionOf } from './definition.js';
import { installOpenCodeHooks } from './opencode-hooks.js';
import type { RuntimeProfile } from './profile.js';
import type { Blocker, InputArea, ScreenSpec } from './screen-reader.js';
import { screenReader } from './screen-reader.js';

/** The prompt box's bottom edge: `╹` then a run of `▀` as wide as the chat column. */
const EDGE = /^(\s*)╹(▀+)/;
const BAR = '┃';
/** What the empty box shows on the start screen; the chat view shows nothing. */
const PLACEHOLDER = /^Ask anything(?:…|\.\.\.) ".*"$/;
/**
 * The status line under the box while a turn runs (and while it waits to retry): a bar of `■`
 * and `⬝` moving, then "esc interrupt" (cut off when a retry's message is long).
 */
const PROGRESS = /^\s*[■⬝]{4,}\s*/;
const BUSY = /^\s*[■⬝]{4,}|\besc (?:again to )?interrupt\b/;
const INTERRUPT_HINT = /\s{2,}esc (?:again to )?interrupt\b.*$/;
/** A turn's footer in the chat: "▣  Build · Model · 5.9s"; without the time it did not finish. */
const TURN = /^\s*▣\s+\S/;
const TOOK = /·\s*\d+(?:\.\d+)?(?:ms|s|m)(?:\s+\d+(?:\.\d+)?s)?$/;

interface Box {
  /** The box's first line (its top padding) and its bottom edge. */
  top: number;
  edge: number;
  /** The column of its bar, and the column where the chat ends (a sidebar may follow). */
  col: number;
  right: number;
}

function findBox(lines: readonly string[]): Box | null {
  const edge = lines.findLastIndex((l) => EDGE.test(l));
  const m = EDGE.exec(lines[edge] ?? '');
  if (m === null) return null;
  const col = (m[1] ?? '').length;
  let top = edge;
  while (top > 0 && (lines[top - 1] ?? '')[col] === BAR) top--;
  // At least the agent line ("Build · Model Provider") over the edge.
  if (top === edge || !(lines[edge - 1] ?? '').includes(' · ')) return null;
  return { top, edge, col, right: col + 1 + (m[2] ?? '').length };
}

/** A line of the box or the chat, bar and sidebar cut off. */
function inner(line: string, box: Box): string {
  return line.slice(box.col + 1, box.right).trim();
}

function statusLine(lines: readonly string[], box: Box): string {
  return lines.slice(box.edge + 1).find((l) => l.trim() !== '') ?? '';
}

function inputArea(lines: readonly string[]): InputArea | null {
  const box = findBox(lines);
  if (box === null) return null;
  const status = statusLine(lines, box);
  if (status === '') return null;
  const body = lines.slice(box.top, box.edge - 1).map((l) => inner(l, box));
  while (body[0] === '') body.shift();
  while (body.at(-1) === '') body.pop();
  const input = body.join('\n');
  return { input: PLACEHOLDER.test(input) ? '' : input, busy: BUSY.test(status) };
}

/** The bar-fenced blocks of the chat between two lines: prompts, tool runs, errors. */
function blocksBetween(lines: readonly string[], box: Box, from: number, to: number): string[][] {
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (let i = from; i < to; i++) {
    const line = lines[i] ?? '';
    if (line[box.col] !== BAR) {
      current = null;
      continue;
    }
    if (current === null) blocks.push((current = []));
    const text = inner(line, box);
    if (text !== '') current.push(text);
  }
  return blocks;
}

/**
 * What a failed call says: while OpenCode retries it, the status line ("Rate limit … [retrying in
 * 24s attempt #3]"); once it gave up, the block printed last in a turn that did not finish (no
 * time on its footer). The turn's first block is its prompt, a block opening with `$ ` or `# ` a
 * tool's run: neither is an error, so neither is read.
 */
export function failedCall(lines: readonly string[]): string[] {
  const box = findBox(lines);
  if (box === null) return [];
  const status = statusLine(lines, box);
  if (/\[retrying\b/.test(status))
    return [status.replace(PROGRESS, '').replace(INTERRUPT_HINT, '').trim()];
  if (BUSY.test(status)) return [];
  const footers = lines.flatMap((l, i) => (i < box.top && TURN.test(l) ? [i] : []));
  const last = footers.at(-1);
  if (last === undefined || TOOK.test(inner(lines[last] ?? '', box))) return [];
  const blocks = blocksBetween(lines, box, (footers.at(-2) ?? -1) + 1, last);
  const error = blocks.length > 1 ? (blocks.at(-1) ?? []) : [];
  return /^[$#] /.test(error[0] ?? '') ? [] : error;
}

/**
 * OpenCode shows the API's message, not its status: these are the words of OpenAI-style errors
 * FAILURE_RULES does not know (a 500, a 503).
 */
const OPENCODE_FAILURES: readonly FailureRule[] = [
  {
    kind: 'overloaded',
    match:
      /server had an error|overloaded or not ready|Internal server error|Service Unavailable|Bad Gateway|server_error/i,
  },
];

/** Screens nobody may answer for it: OpenCode asks in place of the prompt box. */
const BLOCKERS: readonly Blocker[] = [
  {
    match: [/△ Permission required/],
    why: 'permission prompt: OpenCode asks before a tool runs (not started with --auto)',
  },
];

const SCREEN: ScreenSpec = {
  dialogs: [],
  blockers: BLOCKERS,
  // Its questions take the box's place and end in "⇆ select  enter confirm".
  dialogMark: /enter confirm/,
  question: /\?$/,
  // Without the bar its questions are fenced by, so a question reads as its words.
  dialogArea: (lines) =>
    findBox(lines) === null ? lines.map((l) => l.replace(/^\s*┃\s?/, '')) : null,
  options: () => ({ options: [], selected: -1 }),
  input: inputArea,
};

export const opencode: RuntimeProfile<'opencode'> = {
  name: 'opencode',
  recordedVersion: '1.18.33',
  program: /^opencode(\.exe)?$/,
  // --auto approves every permission not explicitly denied (external directories, doom loops),
  // as the other runtimes' defaults bypass their approvals.
  defaultCommand: 'opencode --auto',
  // No self-update under a supervisor. The other OPENCODE_DISABLE_* switches turn features off
  // (the model catalogue, LSP servers, default plugins): the user's choice.
  env: () => ({ OPENCODE_DISABLE_AUTOUPDATE: '1' }),
  capabilities: { screen: true, model: true },
  resume: (command, id) => `${command} --session ${id}`,
  resumeRefused: /Session not found:/,
  read: screenReader(SCREEN),
  classify: (lines) =>
    classifyLines(failedCall(lines.map((l) => l.trimEnd())), [
      ...OPENCODE_FAILURES,
      ...FAILURE_RULES,
    ]),
  hooks: {
    install: (target, commands) =>
      installOpenCodeHooks(target.workDir, commands, opencode.recordedVersion ?? 'latest'),
  },
  // A bracketed paste then Enter, even in one tmux command, submitted (three lines too).
  submit: { keys: ['Enter'], delayMs: 30 },
  definition: () =>
    definitionOf(opencode, {
      about:
        'OpenCode’s prompt box is fenced by the same bar as the prompts in its chat, its text between padding lines. Here the box’s last bar line is the input: ready and busy read right, but what is typed reads as nothing, and gastown-ts submits a prompt only once it has seen it typed: as data alone it cannot take prompts.',
      screen: {
        input: String.raw`^\s*┃(?!.* · )\s*(.*)$`,
        placeholders: [PLACEHOLDER.source],
        busy: [BUSY.source],
        ready: [EDGE.source],
        option: DEFAULT_OPTION_LINE,
      },
      blockers: BLOCKERS,
      hooks: 'opencode',
      failures: OPENCODE_FAILURES,
    }),
};
