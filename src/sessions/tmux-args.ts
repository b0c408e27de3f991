// The pure half of the tmux host: validating names, escaping what tmux would otherwise
// parse, the argv that runs an agent command, and parsing tmux's answers.
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { BadSessionNameError } from './errors.js';
import type { PaneMarker } from './proc.js';
import type { SessionInfo, SessionSpec, SessionTheme } from './host.js';

const SESSION_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLOUR_RE = /^(colour\d{1,3}|[a-z]{3,20})$/;

export function checkSessionName(name: string): string {
  if (typeof name !== 'string' || !SESSION_NAME_RE.test(name))
    throw new BadSessionNameError(String(name));
  return name;
}

/** Text tmux expands as a format (status lines, -c) shows literally once '#' is doubled. */
export function escapeFormat(text: string): string {
  return text.replaceAll('#', '##');
}

/**
 * tmux reads any command-line argument that ends in ';' as a command separator, and
 * turns a trailing '\;' into ';'. So a trailing ';' of our data is written '\;'.
 */
export function escapeArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Several tmux commands as one argument list: data escaped, separated by lone ';'. */
export function joinCommands(commands: ReadonlyArray<readonly string[]>): string[] {
  return commands.flatMap((cmd, i) => [...(i > 0 ? [';'] : []), ...cmd.map(escapeArg)]);
}

// Reserved words and shell builtins cannot follow `exec`; such command lines run as written.
const NOT_EXECABLE =
  /^\s*(if|then|else|elif|fi|do|done|case|esac|while|until|for|in|function|select|time|exec|\{|\}|!|\[\[|exit|cd|export|set|unset|eval|source|\.|return|shift|trap|readonly|wait|ulimit|umask|alias|read|:)(\s|$)/;

/**
 * argv that runs the settings' shell text. A plain command line (no lists, pipes, subshells
 * or leading assignments) is exec'd, so the agent itself is the pane's first process.
 */
export function shellArgv(command: string): string[] {
  const bare = command.replace(/\\[\s\S]|'[^']*'|"(?:[^"\\]|\\[\s\S])*"/g, 'x');
  const plain =
    !/[;&|()\n]/.test(bare) &&
    !/^\s*[A-Za-z_][A-Za-z0-9_]*=/.test(bare) &&
    !NOT_EXECABLE.test(bare);
  return ['/bin/sh', '-c', plain ? `exec ${command}` : command];
}

export const INFO_FORMAT = [
  '#{session_name}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_dead_status}',
  '#{session_created}',
  '#{session_attached}',
  '#{@gt_town}',
  '#{pane_current_command}',
].join('\t');

/** A client's name, or nothing for a control-mode client. */
export const CLIENT_FORMAT = '#{?client_control_mode,,#{client_name}}';

export const PANE_FORMAT = ['#{pane_pid}', '#{pane_id}', '#{pid}', '#{socket_path}'].join('\t');

function intOrNull(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * The last `count` lines of a captured screen, without the blank rows below the output and
 * without the notice tmux draws on a dead pane (its status is in SessionInfo already).
 */
export function lastLines(screen: readonly string[], count: number): string[] {
  const out = screen.map((line) => line.trimEnd());
  const trim = (): void => {
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
  };
  trim();
  if (/^Pane is dead( \(|$)/.test(out[out.length - 1] ?? '')) {
    out.pop();
    trim();
  }
  return out.slice(-count);
}

/** Marks a control-mode client's line (CONTROL_CLIENTS_FORMAT) among list-panes rows. */
const CONTROL_MARK = '\u001egt-control ';

/**
 * list-clients' line for each control-mode client (the daemon's, another program's): its
 * session; nothing for a terminal. Such a client does not make a session "attached".
 */
export const CONTROL_CLIENTS_FORMAT = `#{?client_control_mode,${CONTROL_MARK}#{session_name},}`;

/** How many control-mode clients each session has, from CONTROL_CLIENTS_FORMAT lines. */
function controlClients(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    if (!line.startsWith(CONTROL_MARK)) continue;
    const name = line.slice(CONTROL_MARK.length);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * Groups `list-panes` rows (INFO_FORMAT) by session; the first pane listed is the agent's.
 * A session is attached when a terminal is: control-mode clients listed with
 * CONTROL_CLIENTS_FORMAT in the same output are not counted.
 */
export function parseSessions(stdout: string): SessionInfo[] {
  const byName = new Map<string, SessionInfo>();
  const lines = stdout.split('\n');
  const controls = controlClients(lines);
  for (const line of lines) {
    const [name, pid, dead, status, created, attached, town, ...command] = line.split('\t');
    if (name === undefined || town === undefined || !SESSION_NAME_RE.test(name)) continue;
    const panePid = intOrNull(pid);
    const known = byName.get(name);
    if (known !== undefined) {
      if (panePid !== null) known.panePids.push(panePid);
      continue;
    }
    byName.set(name, {
      name,
      panePid,
      panePids: panePid === null ? [] : [panePid],
      paneCommand: command.join('\t'),
      paneDead: dead === '1',
      paneDeadStatus: intOrNull(status),
      createdAt: (intOrNull(created) ?? 0) * 1000,
      attached: (intOrNull(attached) ?? 0) - (controls.get(name) ?? 0) > 0,
      town: town === undefined || town === '' ? null : town,
    });
  }
  return [...byName.values()];
}

export function parsePaneMarkers(stdout: string): PaneMarker[] {
  return stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(
      (f): f is [string, string, string, string] => f.length === 4 && /^\d+$/.test(f[0] ?? ''),
    )
    .map(([pid, paneId, serverPid, socketPath]) => ({
      panePid: Number(pid),
      paneId,
      tmuxPrefix: `${socketPath},${serverPid},`,
    }));
}

/**
 * The exact target of a session: '=' forbids tmux's prefix and pattern matching, and the ':'
 * makes it a session everywhere (without it, list-panes reads a window name and finds another).
 */
export function sessionTarget(name: string): string {
  return `=${checkSessionName(name)}:`;
}

/** The path of a tmux -L socket, as tmux computes it. */
export function tmuxSocketPath(socket: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket);
}

/** What tmux copies from a client into a new session by default (update-environment). */
const DEFAULT_UPDATE_ENV = [
  'DISPLAY',
  'KRB5CCNAME',
  'SSH_ASKPASS',
  'SSH_AUTH_SOCK',
  'SSH_AGENT_PID',
  'SSH_CONNECTION',
  'WINDOWID',
  'XAUTHORITY',
];

/** The names of a session's environment, each checked. */
function checkEnvName(name: string): string {
  if (!ENV_KEY_RE.test(name))
    throw new InputError('GT_BAD_ENV', `bad environment variable ${JSON.stringify(name)}`);
  return name;
}

function envNames(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (!ENV_KEY_RE.test(key) || value.includes('\0'))
      throw new InputError('GT_BAD_ENV', `bad environment variable ${JSON.stringify(key)}`);
    return key;
  });
}

/**
 * new-session plus its options and theme, for one tmux invocation; `town` marks the session.
 * The tmux client that runs them must carry `spec.env` in its own environment.
 */
export function startCommands(spec: SessionSpec, town?: string): string[][] {
  const name = checkSessionName(spec.name);
  if (!spec.cwd.startsWith('/') || spec.cwd.includes('\0')) {
    throw new InputError(
      'GT_BAD_WORKDIR',
      `work dir ${JSON.stringify(spec.cwd)} must be an absolute path`,
    );
  }
  if (spec.command.trim().length === 0 || spec.command.includes('\0')) {
    throw new InputError('GT_BAD_COMMAND', 'agent command is empty or holds a NUL byte');
  }
  const names = envNames(spec.env);
  const size = (n: number | undefined, fallback: number): string =>
    String(n !== undefined && Number.isInteger(n) && n > 0 && n <= 1000 ? n : fallback);
  const target = sessionTarget(name);
  const unset = (spec.unset ?? []).filter((n) => !(n in spec.env)).map(checkEnvName);
  return [
    ...serverOptionCommands(spec.serverOptions ?? {}),
    ...unset.map((n) => ['set-environment', '-gu', n]),
    // The environment's values never reach an argv, where every local user could read them:
    // tmux copies the variables named in update-environment from this client's own
    // environment into the new session. Afterwards the option is back to its default, and the
    // names are taken out of the server's global environment (which has them if this client
    // started the server), so no later session inherits them.
    ['set-option', '-g', 'update-environment', [...DEFAULT_UPDATE_ENV, ...names].join(' ')],
    // -c is expanded as a format by tmux; the command is not.
    [
      'new-session',
      '-d',
      '-s',
      name,
      '-c',
      escapeFormat(spec.cwd),
      '-x',
      size(spec.width, 200),
      '-y',
      size(spec.height, 50),
      '-P',
      '-F',
      INFO_FORMAT,
      '--',
      ...shellArgv(spec.command),
    ],
    ['set-option', '-gu', 'update-environment'],
    ...names.map((n) => ['set-environment', '-gu', n]),
    ['set-option', '-w', '-t', target, 'remain-on-exit', spec.remainOnExit === true ? 'on' : 'off'],
    // A user option's value is stored as given, never expanded as a format.
    ...(town === undefined ? [] : [['set-option', '-t', target, '@gt_town', town]]),
    ...(spec.theme === undefined ? [] : themeCommands(target, spec.theme)),
  ];
}

/** A tmux option name: lowercase words joined by dashes (never a flag nor a user option). */
const OPTION_NAME_RE = /^[a-z]+(?:-[a-z]+)*$/;

function serverOptionCommands(options: Readonly<Record<string, string>>): string[][] {
  return Object.entries(options).map(([name, value]) => {
    if (!OPTION_NAME_RE.test(name) || value.includes('\0') || value.startsWith('-'))
      throw new InputError('GT_BAD_COMMAND', `bad tmux server option ${JSON.stringify(name)}`);
    // -q: a tmux too old to know the option starts the session all the same.
    return ['set-option', '-sq', name, value];
  });
}

function themeCommands(target: string, theme: SessionTheme): string[][] {
  for (const colour of [theme.bg, theme.fg]) {
    if (!COLOUR_RE.test(colour))
      throw new InputError('GT_BAD_THEME', `${JSON.stringify(colour)} is not a tmux colour name`);
  }
  return [
    ['set-option', '-t', target, 'status-style', `bg=${theme.bg},fg=${theme.fg}`],
    ['set-option', '-t', target, 'status-left-length', '80'],
    ['set-option', '-t', target, 'status-left', ` ${escapeFormat(theme.statusLeft)} `],
    ['set-option', '-t', target, 'status-right', statusRight(theme)],
    ...(theme.statusJob === undefined
      ? []
      : [['set-option', '-t', target, 'status-interval', String(theme.statusInterval ?? 5)]]),
  ];
}

/** Quotes one argument for /bin/sh: inside single quotes nothing is special but the quote. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The status-right format: the job's output as `#(…)`, then the plain text. tmux ends `#(` at
 * its matching parenthesis and expands `#` inside it, so `#` is doubled, and an argument with
 * a parenthesis or a control character leaves the job out rather than risk a broken line.
 */
export function statusRight(theme: SessionTheme): string {
  const text = escapeFormat(theme.statusRight ?? '');
  const job = theme.statusJob;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (job === undefined || job.some((arg) => /[()\u0000-\u001f\u007f]/.test(arg)))
    return ` ${text} `;
  return ` #(${escapeFormat(job.map(shellQuote).join(' '))}) ${text} `;
}
