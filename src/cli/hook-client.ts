// The fast path of what agents run most. `gt agent report prompt|stop|notification` runs on
// every turn of every agent, `gt nudge` whenever one agent prompts another, `gt mail send` and
// `gt status` all day; loading the whole command line for them costs more than the work. This
// part of the launcher (nothing else loaded) hands the call to the town's daemon over its
// socket and prints the daemon's answer.
// Whenever the daemon cannot answer (none running, an older one, a socket path too long, no
// answer in time, anything it would not say as the command does) the command runs in full
// instead, with a hook's input already read.
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { requestOfArgs } from '../protocol/daemon-socket.js';
import { MAX_SOCKET_PATH_BYTES } from '../util/socket.js';
import { MAX_HOOK_INPUT_BYTES, readAllStdin } from '../util/stdin.js';

/** A daemon busy for longer than this leaves the hook to do its work itself. */
const ANSWER_TIMEOUT_MS = 5_000;

export interface HookAsk {
  socket: string;
  request: Record<string, unknown>;
  /** A hook's standard input goes with the request (a nudge's words are in argv). */
  withInput: boolean;
}

export interface HookReply {
  stdout: string;
  stderr: string;
  code: number;
}

/** What to ask the daemon for `argv`, when it is a form the daemon answers (requestOfArgs). */
export function daemonAskOf(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): HookAsk | undefined {
  if (env.GT_HOOK_VIA_DAEMON === 'off') return;
  const asked = requestOfArgs(argv.slice(2));
  if (asked === undefined) return;
  const root = townRootOf(env, cwd);
  if (root === undefined) return;
  // townPaths().daemonSocket, without loading town/ for it; a path too long goes the full way.
  const socket = join(root, 'daemon', 'daemon.sock');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) return;
  // Every GT_* variable: who the session is, and any setting laid over the file (the daemon
  // answers only while its own settings are what the command would read).
  const gtEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (key.startsWith('GT_') && value !== undefined) gtEnv[key] = value;
  const request = { ...asked.request, env: gtEnv, cwd };
  return { socket, request, withInput: asked.withInput };
}

/**
 * The town's root as findTownRoot (town/layout.ts) finds it, without loading town/ for it:
 * GT_TOWN_ROOT (or GT_ROOT), else the nearest folder at or above `cwd` holding mayor/town.json
 * (a person's shell in the town). Undefined for none, or a relative variable (the command
 * line resolves and explains it).
 */
export function townRootOf(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const given = env.GT_TOWN_ROOT || env.GT_ROOT;
  if (given) return isAbsolute(given) ? given : undefined;
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (isFile(join(dir, 'mayor', 'town.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // none, or a folder we may not look in
  }
}

/** The hook's standard input, read once: kept for the full command line should it run. */
export function readHookStdin(): Buffer {
  return process.stdin.isTTY ? Buffer.alloc(0) : readAllStdin(MAX_HOOK_INPUT_BYTES);
}

/** The daemon's answer to `ask` with `input`, or undefined when there is none to use. */
export function askDaemon(ask: HookAsk, input: Buffer): Promise<HookReply | undefined> {
  return new Promise((resolve) => {
    const { connect } = process.getBuiltinModule('node:net');
    const socket = connect(ask.socket);
    const chunks: Buffer[] = [];
    const done = (reply: HookReply | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), ANSWER_TIMEOUT_MS);
    socket.on('connect', () => {
      const request = ask.withInput
        ? { ...ask.request, input: input.toString('utf8') }
        : ask.request;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => done(replyOf(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', () => done(undefined));
  });
}

function replyOf(text: string): HookReply | undefined {
  try {
    const r = JSON.parse(text) as Record<string, unknown>;
    if (typeof r.stdout !== 'string' || typeof r.stderr !== 'string') return undefined;
    return { stdout: r.stdout, stderr: r.stderr, code: typeof r.code === 'number' ? r.code : 0 };
  } catch {
    return undefined; // an older daemon closes at once; a fallback answer has no output
  }
}
