// Claude Code (recorded from 2.1.328): its three start-up dialogs and the answer to each, how
// its screen says ready or busy, and its hooks. The screens behind every rule are fixtures
// in test/fixtures/claude-2.1.328.
import { classifyLines, FAILURE_RULES, latestTurn } from '../failure.js';
import type { DialogRule, RuntimeProfile, ScreenReading } from './profile.js';
import { installClaudeHooks } from './claude-hooks.js';

/** The input box starts with ❯ and a no-break space; echoed prompts use a plain space. */
const INPUT_MARK = '❯\u00a0';
/** What the input box shows when nothing is typed in it. */
const PLACEHOLDERS = [
  /^Resend your message to try again$/,
  /^Once fixed, resend your message$/,
  /^Press up to edit queued messages$/,
  /^Try "/,
];
/** The footer line under the input box while Claude waits for input. */
const READY_FOOTER =
  /(bypass permissions on|auto mode on|manual mode on|accept edits on|plan mode on|\? for shortcuts)/;
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
export function dialogOptions(
  lines: readonly string[],
  footer: number,
): { options: string[]; selected: number } {
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

function readDialog(lines: readonly string[], footer: number): ScreenReading {
  const text = lines.join('\n');
  const rule = CLAUDE_DIALOGS.find((d) => d.match.every((re) => re.test(text)));
  if (rule === undefined) {
    const question = lines.find((l) => /\?\s*$/.test(l.trim()))?.trim();
    return {
      activity: 'blocked',
      why: question ? `a question gastown-ts does not answer: ${question}` : 'an unknown dialog',
    };
  }
  const { options, selected } = dialogOptions(lines, footer);
  const wanted = options.findIndex((o) => rule.choose.test(o));
  if (wanted < 0 || selected < 0)
    return { activity: 'blocked', why: `the ${rule.id} dialog without its usual options` };
  return { activity: 'dialog', dialog: rule.id, options, selected, wanted };
}

/** What is typed in the input box ('' for nothing, or a placeholder). */
export function inputText(lines: readonly string[]): string | undefined {
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if ((lines[i] ?? '').startsWith(INPUT_MARK)) {
      at = i;
      break;
    }
  }
  if (at < 0) return undefined;
  const parts = [(lines[at] ?? '').slice(INPUT_MARK.length).replace(/[ \t]+$/, '')];
  for (let i = at + 1; i < lines.length && !RULE.test(lines[i] ?? ''); i++)
    parts.push((lines[i] ?? '').replace(/^ {2}/, '').replace(/[ \t]+$/, ''));
  const typed = parts.join('\n').trim();
  return PLACEHOLDERS.some((p) => p.test(typed)) ? '' : typed;
}

export function readClaudeScreen(screen: readonly string[]): ScreenReading {
  // Only spaces are trimmed: the input box's no-break space is part of its mark.
  const lines = screen.map((l) => l.replace(/[ \t]+$/, ''));
  const footer = lines.findIndex((l) => DIALOG_FOOTER.test(l));
  if (footer >= 0) return readDialog(lines, footer);
  const last = [...lines].reverse().find((l) => l.trim() !== '') ?? '';
  const input = inputText(lines);
  if (BUSY_FOOTER.test(last)) return { activity: 'busy', input: input ?? '' };
  if (input !== undefined && (READY_FOOTER.test(last) || /paste again to expand/.test(last)))
    return { activity: 'ready', inputEmpty: input === '', input };
  return { activity: 'starting' };
}

export const claude: RuntimeProfile = {
  name: 'claude',
  recordedVersion: '2.1.328',
  defaultCommand: 'claude --dangerously-skip-permissions',
  env: ({ root }) => ({
    // Nothing but the model's own requests: no telemetry, no update checks.
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    // Claude Code refuses --dangerously-skip-permissions under root unless told it is sandboxed.
    ...(root ? { IS_SANDBOX: '1' } : {}),
  }),
  dialogs: CLAUDE_DIALOGS,
  read: readClaudeScreen,
  classify: (lines) => classifyLines(latestTurn(lines, /^❯ /, false), FAILURE_RULES),
  hooks: { install: installClaudeHooks },
  // A bracketed paste then Enter submits once the prompt is ready (an Enter before it is lost).
  submit: { keys: ['Enter'], delayMs: 30 },
};
