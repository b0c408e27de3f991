// The daemon socket's requests, one place for both sides of them: the launcher's fast path
// (cli/hook-client.ts), which must load next to nothing, the native gt (native/gt.c, which
// sends its words for the daemon to read here) and the daemon (daemon/hook-answer.ts).
// Pure; nothing imported.

/** The request's version; a daemon answers `fallback` to any other. */
export const SOCKET_REQUEST_VERSION = 1;

/** Hook events the daemon answers; compaction (which may hand the agent off) stays the hook's. */
export const DAEMON_HOOK_EVENTS = ['prompt', 'stop', 'notification'] as const;

/** The session's variables a request carries: who the agent is, and its secret. */
export const SESSION_ENV_KEYS = ['GT_ROLE', 'GT_RIG', 'GT_CREW', 'GT_AGENT_TOKEN'] as const;

/** A request's variables as strings (what the caller's environment had of GT_*). */
export function requestEnv(given: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (typeof given !== 'object' || given === null) return env;
  for (const [key, value] of Object.entries(given))
    if (key.startsWith('GT_') && typeof value === 'string') env[key] = value;
  return env;
}

/** The session's variables a request names (only those a command acting for an agent reads). */
export function sessionEnv(given: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (typeof given !== 'object' || given === null) return env;
  for (const key of SESSION_ENV_KEYS) {
    const value = (given as Record<string, unknown>)[key];
    if (typeof value === 'string') env[key] = value;
  }
  return env;
}

/** A request read off a gt command line; `withInput`: a hook's standard input goes with it. */
export interface ArgsRequest {
  request: Record<string, unknown>;
  withInput: boolean;
}

/**
 * The request `gt <args…>` makes of the daemon, when it is a call the daemon answers:
 * `agent report prompt|stop|notification [--inject-mail] [--hook-format <f>]`, and
 * `nudge <address> <words…> [--json]`, `mail send <address> [-s <subject>] [-m <body>]
 * [--json]`, `status [--json]`, `handoff [--cycle|--restart|--shutdown] [-s <subject>]
 * [-m <note>] [--json]`, `prime [--json]` and `session restart <address> [--json]` (the forms
 * agents and scripts use). Any other flag, or a word that looks like one, is the full command
 * line's to read.
 */
export function requestOfArgs(args: readonly string[]): ArgsRequest | undefined {
  return (
    hookRequestOf(args) ??
    nudgeRequestOf(args) ??
    mailSendRequestOf(args) ??
    statusRequestOf(args) ??
    handoffRequestOf(args) ??
    primeRequestOf(args) ??
    restartRequestOf(args)
  );
}

function hookRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, sub, event, ...rest] = args;
  if (cmd !== 'agent' || sub !== 'report') return;
  if (!DAEMON_HOOK_EVENTS.some((e) => e === event)) return;
  let injectMail = false;
  let hookFormat: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--inject-mail') injectMail = true;
    else if (arg === '--hook-format' && i + 1 < rest.length) hookFormat = rest[++i];
    else if (arg.startsWith('--hook-format=')) hookFormat = arg.slice('--hook-format='.length);
    else return;
  }
  const request = { gt: 'hook', v: SOCKET_REQUEST_VERSION, event, injectMail, hookFormat };
  return { request, withInput: true };
}

function nudgeRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, to, ...rest] = args;
  if (cmd !== 'nudge' || to === undefined || to.startsWith('-')) return;
  const json = rest.includes('--json');
  const words = rest.filter((w) => w !== '--json');
  if (words.length === 0 || words.some((w) => w.startsWith('-'))) return;
  return { request: { gt: 'nudge', v: SOCKET_REQUEST_VERSION, to, words, json }, withInput: false };
}

/** An answer as the daemon gives it: the command's output, or `fallback` (run it yourself). */
export interface SocketAnswer {
  stdout?: string;
  stderr?: string;
  code?: number;
  fallback?: string;
}

/**
 * The answer as a request that asks `reply: "frame"` (the native gt, which reads no JSON)
 * takes it: `GT1 <code> <stdout bytes> <stderr bytes>\n`, then stdout and stderr as they are;
 * `GT1 fallback\n` for anything else.
 */
export function answerFrame(answer: SocketAnswer): Buffer {
  const { stdout, stderr, code = 0 } = answer;
  const ok = answer.fallback === undefined && typeof stdout === 'string';
  if (!ok || typeof stderr !== 'string' || !Number.isInteger(code) || code < 0 || code > 255)
    return Buffer.from('GT1 fallback\n');
  const out = Buffer.from(stdout);
  const err = Buffer.from(stderr);
  return Buffer.concat([Buffer.from(`GT1 ${code} ${out.length} ${err.length}\n`), out, err]);
}

/**
 * The words after a command, as the few forms the daemon answers take them: options with a
 * value (`values`: each option to the field it sets, the last one winning), switches (each
 * seen), and at most one word of its own. Undefined for anything else: a value missing or that
 * looks like an option, an unknown option, a second word.
 */
function readWords(
  rest: readonly string[],
  values: Readonly<Record<string, string>>,
  switches: readonly string[],
): { values: Record<string, string>; on: Set<string>; word?: string } | undefined {
  const out: { values: Record<string, string>; on: Set<string>; word?: string } = {
    values: {},
    on: new Set(),
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    const field = values[arg];
    const value = rest[i + 1];
    if (field !== undefined) {
      if (value === undefined || value.startsWith('-')) return;
      out.values[field] = value;
      i++;
    } else if (switches.includes(arg)) out.on.add(arg);
    else if (arg.startsWith('-') || out.word !== undefined) return;
    else out.word = arg;
  }
  return out;
}

const SUBJECT_AND_NOTE = {
  '-s': 'subject',
  '--subject': 'subject',
  '-m': 'message',
  '--message': 'message',
};

function mailSendRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, sub, ...rest] = args;
  if (cmd !== 'mail' || sub !== 'send') return;
  const words = readWords(rest, { ...SUBJECT_AND_NOTE, '--body': 'body' }, ['--json']);
  if (words?.word === undefined) return;
  const json = words.on.has('--json');
  const request = {
    gt: 'mail-send',
    v: SOCKET_REQUEST_VERSION,
    to: words.word,
    flags: words.values,
    json,
  };
  return { request, withInput: false };
}

/** `--json`, or nothing: the only word these forms take. */
const onlyJson = (rest: readonly string[]): boolean =>
  rest.length === 0 || (rest.length === 1 && rest[0] === '--json');

function statusRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, ...rest] = args;
  if ((cmd !== 'status' && cmd !== 'stat') || !onlyJson(rest)) return;
  return {
    request: { gt: 'status', v: SOCKET_REQUEST_VERSION, json: rest.length === 1 },
    withInput: false,
  };
}

function primeRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, ...rest] = args;
  if (cmd !== 'prime' || !onlyJson(rest)) return;
  return {
    request: { gt: 'prime', v: SOCKET_REQUEST_VERSION, json: rest.length === 1 },
    withInput: false,
  };
}

const HANDOFF_ACTIONS = ['--cycle', '--restart', '--shutdown'];

function handoffRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, ...rest] = args;
  if (cmd !== 'handoff') return;
  const words = readWords(rest, SUBJECT_AND_NOTE, [...HANDOFF_ACTIONS, '--json']);
  if (words === undefined || words.word !== undefined) return;
  const actions = HANDOFF_ACTIONS.filter((a) => words.on.has(a));
  // Two actions at once is the command's to refuse.
  if (actions.length > 1) return;
  const action = (actions[0] ?? '--cycle').slice(2);
  const json = words.on.has('--json');
  const request = { gt: 'handoff', v: SOCKET_REQUEST_VERSION, action, ...words.values, json };
  return { request, withInput: false };
}

function restartRequestOf(args: readonly string[]): ArgsRequest | undefined {
  const [cmd, sub, to, ...rest] = args;
  if (cmd !== 'session' || sub !== 'restart' || to === undefined || to.startsWith('-')) return;
  if (!onlyJson(rest)) return;
  const request = { gt: 'restart', v: SOCKET_REQUEST_VERSION, to, json: rest.length === 1 };
  return { request, withInput: false };
}
