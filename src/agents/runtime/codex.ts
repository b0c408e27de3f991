// OpenAI Codex CLI (recorded from 0.171.0; screens in test/fixtures/codex-0.171.0): how it starts
// (its tools' PATH and its trust in our hooks on the command line), the one dialog answered for it
// (folder trust), its hooks, and how its screen reads.
import { shellQuote } from '../../sessions/tmux-args.js';
import { classifyLines, FAILURE_RULES, latestTurn } from '../failures/classify.js';
import { hookTrustOverride, installCodexHooks } from './codex-hooks.js';
import { definitionOf } from './definition.js';
import { listOptions } from './numbered-dialog.js';
import type { DialogRule, RuntimeProfile } from './profile.js';
import type { Blocker, InputArea, ScreenSpec } from './screen-reader.js';
import { screenReader } from './screen-reader.js';

/** A dialog option; the named group `mark` is `›` on the selected one and blank on the others. */
const OPTION_LINE = /^(?<mark>›|\s)\s*(?<n>\d+)\.\s+(?<label>.*\S)\s*$/;

/**
 * Codex asks to trust a git work tree it has not seen, even with approvals bypassed. Enter on
 * the pre-selected "Trust and continue" records the trust in ~/.codex/config.toml; Esc would
 * leave it in the agent command center instead.
 */
const TRUST: DialogRule = {
  id: 'trust',
  match: [/^\s*Folder access\s*$/m, /Trust this folder\? Codex can read, edit, and run files here/],
  choose: /^Trust and continue$/,
};

/** Anchored patterns carry `m` so they hold against a single line and a joined screen alike. */
const BLOCKERS: readonly Blocker[] = [
  {
    match: [/Paste or type your API key below/],
    why: 'API key entry: a person must sign Codex in',
  },
  {
    match: [/Welcome to Codex, OpenAI's command-line coding agent/],
    why: 'sign-in menu: a person must choose how Codex authenticates',
  },
  {
    // gastown-ts trusts its own hooks on the command line (launch): any other hook asking to be
    // trusted is the user's or the repo's (.codex/hooks.json), never trusted blindly.
    match: [/^\s*Hooks need review\s*$/m],
    why: 'hooks review: hooks gastown-ts did not trust (the user’s, the repo’s) ask to be trusted',
  },
  {
    match: [/^\s*Would you like to .*\?\s*$/m, /Press enter to confirm or esc to cancel/],
    why: 'approval question: Codex asks before running something',
  },
  {
    match: [/^\s*Agent command center\b/m],
    why: 'agent command center: the folder trust dialog was left with Esc',
  },
];

/**
 * Every in-turn status line ends in "(<elapsed> • esc to interrupt)": Working, Reconnecting…,
 * Server is busy…, waiting for network. The composer stays visible below it, so a `› ` line
 * alone says nothing about readiness.
 */
const BUSY = /\(\d[^()]*•\s*esc to interrupt\)/;
/** The line under the composer: model and reasoning effort, then the working directory. */
const STATUS_LINE = /^ {2}\S.*? · [~/]/;
/** Shown under the status line only while the composer is empty. */
const SHORTCUT_HINT = /\? for shortcuts/;
const PLACEHOLDER = 'Ask Codex to do anything';
const COMPOSER = /^›(?: |$)/;
/** A dialog's selected option: `›` in dialogs, `>` in the sign-in menus. */
const SELECTED_OPTION = /^[›>❯]\s+\d+\.\s/;

interface Composer {
  /** Index of the composer's first line (`› …`). */
  at: number;
  /** Index of the status line under it. */
  status: number;
}

/**
 * The composer counts only with the status line under it: the first frames show `› ` with the
 * header still "loading" and no status line, before Codex has finished starting.
 */
function findComposer(lines: readonly string[]): Composer | null {
  const last = lines.findLastIndex((l) => l !== '');
  const status = [last, last - 1].find((i) => i >= 0 && STATUS_LINE.test(lines[i] ?? ''));
  if (status === undefined) return null;
  for (let i = status - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (COMPOSER.test(line)) return { at: i, status };
    // Between the composer and the status line: its continuation lines, indented, or blanks.
    if (line !== '' && !line.startsWith('  ')) return null;
  }
  return null;
}

/** The composer's text; the placeholder and the shortcut hint both mean it is empty. */
function composerInput(lines: readonly string[], composer: Composer): string {
  const body = lines
    .slice(composer.at, composer.status)
    .map((l, i) => (i === 0 ? l.replace(COMPOSER, '') : l.replace(/^ {2}/, '')));
  while (body.at(-1) === '') body.pop();
  const text = body.join('\n');
  const hint = SHORTCUT_HINT.test(lines[composer.status + 1] ?? '');
  return hint || text === PLACEHOLDER ? '' : text;
}

function inputArea(lines: readonly string[]): InputArea | null {
  const composer = findComposer(lines);
  if (composer === null) return null;
  const busy = lines.slice(0, composer.at).some((l) => BUSY.test(l));
  return { input: composerInput(lines, composer), busy };
}

const SCREEN: ScreenSpec = {
  dialogs: [TRUST],
  blockers: BLOCKERS,
  dialogMark: SELECTED_OPTION,
  // Dialogs and menus replace the composer, so they are looked for only when it is gone.
  dialogArea: (lines) => (findComposer(lines) === null ? lines : null),
  options: (area) => listOptions(area, OPTION_LINE),
  input: inputArea,
};

export const codex: RuntimeProfile<'codex'> = {
  name: 'codex',
  recordedVersion: '0.171.0',
  program: /^codex$/,
  // The bypass flag turns off command approvals and the sandbox (it does not skip folder
  // trust). --no-daemon keeps the session in the TUI's process: by default a background
  // daemon per CODEX_HOME outlives tmux kill-session and keeps running the turn.
  defaultCommand: 'codex --no-daemon --dangerously-bypass-approvals-and-sandbox',
  env: () => ({}),
  capabilities: { screen: true, model: true },
  // `codex [flags] resume <id>`: the same conversation, appended to its rollout file.
  resume: (command, id) => `${command} resume ${id}`,
  resumeRefused: /No saved session found with ID|Failed to resume session from/,
  read: screenReader(SCREEN),
  classify: (lines) => classifyLines(latestTurn(lines, /^› /, true), FAILURE_RULES),
  launch: (command, env) => {
    // Codex runs tool commands with the PATH of a login shell it snapshots at start-up, which
    // lacks the folder gastown-ts puts first on the pane's PATH: the agent's own `gt handoff`
    // would not be found. Set there, PATH reaches them (only PATH: the line is visible in ps).
    const path =
      env.PATH === undefined
        ? []
        : [`shell_environment_policy.set.PATH=${JSON.stringify(env.PATH)}`];
    // Our hooks, trusted for this session only; any other hook stays for a person to review.
    const trust = hookTrustOverride(env);
    const overrides = [...path, ...(trust === undefined ? [] : [trust])];
    return [command, ...overrides.map((o) => `-c ${shellQuote(o)}`)].join(' ');
  },
  // Claude-style hooks in $CODEX_HOME/hooks.json (JSON on stdin, the same fields gt reads).
  hooks: { install: (target, commands) => installCodexHooks(target.env, commands) },
  // A bracketed paste then Enter submitted at once, but Enter right after typed text was taken
  // as a newline (paste-burst detection) until a 0.5 s pause; 500 ms covers both.
  submit: { keys: ['Enter'], delayMs: 500 },
  definition: () =>
    definitionOf(codex, {
      about:
        'Code reads what the data cannot: a draft of many lines (here only its first line), and a recalled prompt over the shortcut hint (here typed text).',
      screen: {
        input: '^›(?: (.*))?$',
        placeholders: [`^${PLACEHOLDER}$`],
        busy: [BUSY.source],
        ready: [STATUS_LINE.source],
        option: OPTION_LINE.source,
      },
      dialogs: SCREEN.dialogs,
      blockers: BLOCKERS,
      hooks: 'codex',
    }),
};
