// What a session host is to the rest of gastown-ts: the SessionHost interface and the plain
// data it speaks in. TmuxHost (tmux.ts) implements it; tests may stand in a fake.

export interface SessionInfo {
  name: string;
  /** Pid of the first pane's process: the agent itself. */
  panePid: number | null;
  /** Every pane's pid (a user may have split the agent's window). */
  panePids: number[];
  paneCommand: string;
  paneDead: boolean;
  /**
   * Exit status of a dead pane kept by remain-on-exit. Best effort: null when a signal killed it,
   * and sometimes when tmux (3.3) saw the pane close before it reaped the process.
   */
  paneDeadStatus: number | null;
  /** Creation time in ms; tmux keeps whole seconds. */
  createdAt: number;
  attached: boolean;
  /** The town root the session was marked with at creation (null: unmarked). */
  town: string | null;
}

export interface SessionTheme {
  /** tmux colour names (colour0…colour255 or a plain name). */
  bg: string;
  fg: string;
  /** Plain text, never a tmux format: '#' is escaped before tmux sees it. */
  statusLeft: string;
  statusRight?: string;
  /**
   * A program whose output leads the right of the status line (the agent's unread mail),
   * run by tmux every `statusInterval` seconds. Its argv is quoted for the shell tmux uses.
   */
  statusJob?: readonly string[] | undefined;
  statusInterval?: number;
}

export interface SessionSpec {
  name: string;
  cwd: string;
  /** Shell text from the town's settings, run by /bin/sh as the pane's first process. */
  command: string;
  /** Passed at creation (-e), so the agent has it from its first instruction. */
  env: Readonly<Record<string, string>>;
  /**
   * Names the session must not inherit from the server's environment (which is whoever started
   * the server's): taken out of it before the session is made. `env` still sets them.
   */
  unset?: readonly string[];
  theme?: SessionTheme;
  /** Keep a dead pane (and its last output) so the death can be seen and captured. */
  remainOnExit?: boolean;
  /**
   * tmux server options the agent's CLI needs (`extended-keys`), set before the session is made:
   * they hold for the whole server, which is the town's own.
   */
  serverOptions?: Readonly<Record<string, string>>;
  width?: number;
  height?: number;
}

/**
 * What the town knows of an agent's process: running, its pane kept but the process gone
 * (zombie), no session at all (dead), or tmux could not answer (unknown: never a reason to kill).
 */
export const LIVENESS = ['alive', 'zombie', 'dead', 'unknown'] as const;
export type Liveness = (typeof LIVENESS)[number];

export interface SessionHost {
  readonly socket: string;
  /** Lets go of what the host holds open (a tmux control client); it may be used again. */
  close?(): void;
  /** Every session on the socket; [] when no server runs. Throws when tmux cannot answer. */
  list(): Promise<SessionInfo[]>;
  /** One session, or undefined when it does not exist. Throws when tmux cannot answer. */
  find(name: string): Promise<SessionInfo | undefined>;
  /** 'unknown' when tmux cannot answer: callers must never treat it as dead. */
  liveness(name: string): Promise<Exclude<Liveness, 'zombie'>>;
  start(spec: SessionSpec): Promise<SessionInfo>;
  /** Ends every process of the session, then the session; false when there was none. */
  stop(name: string): Promise<boolean>;
  /**
   * stop() then start(), with as few calls to the server as can be; `replaced` is false when
   * there was no session to stop.
   */
  replace(spec: SessionSpec): Promise<{ info: SessionInfo; replaced: boolean }>;
  /** The last `lines` lines of the agent's pane, dead or alive. */
  capture(name: string, lines: number): Promise<string[]>;
  /** Redraws the status line of every terminal attached to the session (none: nothing to do). */
  refreshStatus(name: string): Promise<void>;
  /** The visible screen of each session, in one call to the server; gone sessions left out. */
  screens(names: readonly string[]): Promise<Map<string, string[]>>;
  /** Presses named keys (Up, Down, Enter, Escape, C-u) in the session's agent pane. */
  sendKeys(name: string, keys: readonly string[]): Promise<void>;
  /** Pastes `text` whole (bracketed), then presses `keys` after `delayMs`. */
  paste(
    name: string,
    text: string,
    then: { keys: readonly string[]; delayMs: number },
  ): Promise<void>;
}

/** A session whose pane is dead is a zombie: it exists, but its agent is gone. */
export function sessionState(info: SessionInfo): Extract<Liveness, 'alive' | 'zombie'> {
  return info.paneDead || info.panePid === null ? 'zombie' : 'alive';
}

/** A tmux client to run interactively (spawned with the user's terminal). */
export interface AttachCommand {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}
