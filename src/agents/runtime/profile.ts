import type { Failure } from '../failure.js';
// What gastown-ts knows about one agent CLI (a runtime): how to start it, the dialogs it
// shows and how to answer them, how to tell from its screen whether it is ready or busy, the
// hooks it has, and how text typed into it is submitted. Pure data and small functions; the
// daemon applies them (daemon/watch.ts), tests feed them recorded screens (test/fixtures).

/** What an agent is doing, beside whether its process lives. */
export const ACTIVITIES = ['starting', 'dialog', 'ready', 'busy', 'blocked', 'exited'] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** A key the supervisor may press: tmux key names. */
export type Key = 'Up' | 'Down' | 'Enter' | 'Escape';

/** A dialog the runtime shows, and the answer gastown-ts gives. */
export interface DialogRule {
  /** Stable name, for events and `gt status` ("trust", "api-key", "bypass-permissions"). */
  id: string;
  /** The screen shows this dialog when every pattern matches some line. */
  match: readonly RegExp[];
  /** The option to choose, as its label reads on screen (after the selection marker). */
  choose: RegExp;
  /** How an option line reads: the marker of the selected one, and of the others. */
  optionLine?: RegExp;
}

/** What one screen says. */
export type ScreenReading =
  | { activity: 'starting' }
  | { activity: 'ready'; inputEmpty: boolean; input: string }
  | { activity: 'busy'; input: string }
  /** A dialog this runtime knows, with the options as listed and which one is selected. */
  | { activity: 'dialog'; dialog: string; options: string[]; selected: number; wanted: number }
  /** A dialog or question nobody may answer blindly. */
  | { activity: 'blocked'; why: string };

/** What the runtime's hooks can tell (reported by `gt agent report`). */
export interface HookSupport {
  /**
   * Writes (or merges) the runtime's hook settings into an agent's work dir; `command` is the
   * agent's command line (a flag in it may need a setting beside it).
   */
  install(workDir: string, commands: HookCommands, command: string): void;
}

/** The gt commands the hooks run; plain words, never agent or user text. */
export interface HookCommands {
  sessionStart: string;
  promptSubmit: string[];
  turnEnd: string;
  notification: string;
}

export interface RuntimeProfile {
  name: 'claude' | 'codex' | 'gemini' | 'shell';
  /** The CLI version the dialogs and screens were recorded from (fixtures carry it too). */
  recordedVersion: string | null;
  /** Command when `agents.<role>.command` is not set. */
  defaultCommand: string;
  /** Environment every session of this runtime gets (before agents.<role>.env). */
  env(opts: { root: boolean }): Record<string, string>;
  dialogs: readonly DialogRule[];
  /** Reads a screen (the pane's visible lines, top to bottom). */
  read(lines: readonly string[]): ScreenReading;
  /** Why its latest turn failed, read from the same screen; undefined when it did not. */
  classify(lines: readonly string[]): Failure | undefined;
  hooks: HookSupport | null;
  /**
   * How pasted text is submitted: the keys after the paste, and how long to wait between
   * the paste and them (some CLIs take an Enter right after a paste as a newline).
   */
  submit: { keys: readonly Key[]; delayMs: number };
}
