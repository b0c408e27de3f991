// What gastown-ts knows about one agent CLI (a runtime): how to start it, what it can do, how
// its screen reads (runtime/screen-reader.ts, driven by the profile's data), the hooks it has,
// and how text typed into it is submitted. The daemon applies profiles (daemon/watch.ts); tests
// feed them recorded screens (test/fixtures/<name>-<recordedVersion>, with expected.json).
import type { RuntimeDefinition } from '../../town/settings-runtimes.js';
import type { Failure } from '../failures/classify.js';

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

/** Where an agent's hooks go: its work dir, and the environment its session gets. */
export interface HookTarget {
  workDir: string;
  /** The session's environment as gastown-ts sets it (a CLI's home, e.g. CODEX_HOME, is here). */
  env: Readonly<Record<string, string>>;
}

/** What the runtime's hooks can tell (reported by `gt agent report`). */
export interface HookSupport {
  /**
   * Writes (or merges, never clobbering the user's own) the runtime's hook settings where the
   * agent's CLI reads them; `command` is the agent's command line (a flag in it may need a
   * setting beside it).
   */
  install(target: HookTarget, commands: HookCommands, command: string): void;
}

/** The gt commands the hooks run; plain words, never agent or user text. */
export interface HookCommands {
  sessionStart: string;
  promptSubmit: string[];
  turnEnd: string;
  notification: string;
  /** Before the CLI compacts its context (Claude Code's PreCompact). */
  compact: string;
}

/** What gastown-ts may do with a runtime; callers test these, never the runtime's name. */
export interface Capabilities {
  /** Its screen can be read: ready, busy, dialogs, the input box (else text is typed blind). */
  screen: boolean;
  /** A model answers what is typed: prompts, probes and status questions make sense. */
  model: boolean;
}

/** `Name` keeps each built-in profile's literal name (RuntimeName is made of them); a runtime of settings has any name. */
export interface RuntimeProfile<Name extends string = string> {
  /** The name in `agents.<role>.runtime` and on the agent's record. */
  name: Name;
  /** The CLI version the dialogs and screens were recorded from (the fixtures' folder too). */
  recordedVersion: string | null;
  /** The program that runs this CLI, its path and quotes aside (`claude`, `claude.exe`). */
  program: RegExp | null;
  /** Command when `agents.<role>.command` is not set. */
  defaultCommand: string;
  /** Environment every session of this runtime gets (before agents.<role>.env). */
  env(opts: { root: boolean }): Record<string, string>;
  /**
   * The command as the session runs it, where the CLI needs something of the session's own
   * environment on its command line (absent: the command as configured).
   */
  launch?(command: string, env: Readonly<Record<string, string>>): string;
  capabilities: Capabilities;
  /**
   * The command that resumes conversation `id` (an id checked by `isConversationId`, so safe
   * as a shell word); absent where the CLI cannot resume one.
   */
  resume?(command: string, id: string): string;
  /** What the CLI prints when it has no such conversation to resume (then it exits). */
  resumeRefused?: RegExp;
  /** Reads a screen (the pane's visible lines, top to bottom); see screen-reader.ts. */
  read(lines: readonly string[]): ScreenReading;
  /** Why its latest turn failed, read from the same screen; undefined when it did not. */
  classify(lines: readonly string[]): Failure | undefined;
  hooks: HookSupport | null;
  /**
   * Answers ahead of the start, in the CLI's own config, the start-up dialogs the watcher
   * would answer on its screen (`agents.<role>.dialogs: ahead`); the ids of the dialogs it
   * answered now (none: already answered, or nothing it can write).
   */
  answerAhead?(target: HookTarget): string[];
  /**
   * How pasted text is submitted: the keys after the paste, and how long to wait between
   * the paste and them (some CLIs take an Enter right after a paste as a newline).
   */
  submit: { keys: readonly Key[]; delayMs: number };
  /**
   * tmux server options the CLI wants (Pi: `extended-keys`, else Shift+Enter reads as Enter and
   * it warns at start-up), set on the town's server before the session starts.
   */
  tmuxServerOptions?: Readonly<Record<string, string>>;
  /** This profile as settings data (`gt config runtime <name>`), a start for one's own. */
  definition?(): RuntimeDefinition;
}

/** A conversation id as runtimes report them (UUIDs, OpenCode's ses_…): one safe shell word. */
export function isConversationId(text: unknown): text is string {
  return typeof text === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(text);
}
