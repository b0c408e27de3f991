// Requests over the daemon's socket (the launcher's fast path, cli/hook-client.ts, and the
// native gt): a hook's work — the same report and mail as the hook's own process would make,
// without loading gt there — and the commands command-answer.ts answers. Anything the daemon
// will not answer gets `fallback`, and gt then does the work itself.
import type { AgentContext } from '../agents/context.js';
import type { HookCall } from '../agents/hook-run.js';
import { answerHook, parseHookInput } from '../agents/hook-run.js';
import { errorMessage } from '../errors.js';
import type { SocketAnswer } from '../protocol/daemon-socket.js';
import {
  DAEMON_HOOK_EVENTS,
  requestEnv,
  requestOfArgs,
  SOCKET_REQUEST_VERSION,
  sessionEnv,
} from '../protocol/daemon-socket.js';
import type { Store } from '../store/store.js';
import type { Settings } from '../town/settings.js';
import { whoAmI } from '../town/whoami.js';
import {
  answerHandoff,
  answerMailSend,
  answerNudgeRequest,
  answerPrime,
  answerRestart,
  answerStatus,
} from './command-answer.js';

export type HookReply = SocketAnswer;

export interface HookAnswerDeps {
  root: string;
  settings: () => Settings;
  store: Store;
  now: () => number;
  /** A lifecycle request was made: the daemon takes a pass (and its side loops look). */
  changed: () => void;
  /**
   * An agent changed (a turn ended or began, a prompt queued, a session started): the watcher,
   * the notification sender and the spend reader look. No lifecycle pass: none depends on it.
   * A turn that began (`turnBegan`) gives the watcher nothing to do at once: its prompt is
   * acknowledged already, the next waits for the turn's end, and a busy screen is read at the
   * watcher's next look anyway; only the sender looks.
   */
  reported: (turnBegan?: boolean) => void;
  /** Whether the settings in use are those a command with `env` would read. */
  settingsCurrent: (env: Readonly<Record<string, string>>) => boolean;
  /** `gt status [--json]` as its command prints it, where the daemon was given a way to say it. */
  status?: (json: boolean) => Promise<string>;
  /** What acting on agents needs (a restart): the daemon's own. */
  agents: () => AgentContext;
}

/** What answers each kind of request (`gt` in it). */
const ANSWERS = new Map<
  string,
  (deps: HookAnswerDeps, r: Record<string, unknown>) => Promise<HookReply>
>([
  ['hook', answerHookRequest],
  ['nudge', answerNudgeRequest],
  ['mail-send', answerMailSend],
  ['status', answerStatus],
  ['handoff', answerHandoff],
  ['prime', answerPrime],
  ['restart', answerRestart],
]);

/**
 * A request over the daemon's socket: a hook's work, a command to answer, or a command line sent
 * whole (the native gt's way). A request that throws is answered `fallback` by the socket
 * (poke-server.ts).
 */
export async function answerRequest(deps: HookAnswerDeps, request: unknown): Promise<HookReply> {
  if (typeof request !== 'object' || request === null) return { fallback: 'not a request' };
  const given = request as Record<string, unknown>;
  if (given.v !== SOCKET_REQUEST_VERSION) return { fallback: 'not a request this daemon knows' };
  // A settings file changed (or one it could not use), or other settings in the caller's
  // environment: the command reads its own, and says what is wrong with them.
  if (!deps.settingsCurrent(requestEnv(given.env))) return { fallback: 'settings differ' };
  const r = given.gt === 'argv' ? requestOfLine(given) : given;
  if (typeof r === 'string') return { fallback: r };
  const answer = typeof r.gt === 'string' ? ANSWERS.get(r.gt) : undefined;
  if (answer === undefined) return { fallback: `no request ${JSON.stringify(r.gt)}` };
  return answer(deps, r);
}

async function answerHookRequest(
  deps: HookAnswerDeps,
  r: Record<string, unknown>,
): Promise<HookReply> {
  const call = hookCallOf(deps.root, r);
  if (typeof call === 'string') return { fallback: call };
  const notify = deps.settings().notify;
  const answer = await answerHook({ store: deps.store, notify, now: deps.now() }, call);
  if (answer.events.length > 0) deps.reported(call.event === 'prompt');
  return { stdout: answer.stdout, stderr: answer.stderr, code: 0 };
}

/** The request a command line sent whole makes (its session and input beside), or why none. */
function requestOfLine(r: Record<string, unknown>): Record<string, unknown> | string {
  const args = r.argv;
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) return 'no command line';
  const asked = requestOfArgs(args);
  if (asked === undefined) return 'not a call the daemon answers';
  const input = asked.withInput ? r.input : undefined;
  return { ...asked.request, env: r.env, cwd: r.cwd, input };
}

/** The call a hook's request makes, or why it makes none. */
export function hookCallOf(root: string, r: Record<string, unknown>): HookCall | string {
  const event = DAEMON_HOOK_EVENTS.find((e) => e === r.event);
  if (event === undefined) return `event ${JSON.stringify(r.event)} is the hook's own to answer`;
  if (typeof r.input !== 'string' || typeof r.cwd !== 'string') return 'no input or cwd';
  if (r.hookFormat !== undefined && typeof r.hookFormat !== 'string') return 'bad hook format';
  const env = sessionEnv(r.env);
  try {
    return {
      event,
      payload: parseHookInput(r.input),
      identity: whoAmI({ env, cwd: r.cwd, root }),
      token: env.GT_AGENT_TOKEN,
      injectMail: r.injectMail === true,
      hookFormat: r.hookFormat,
    };
  } catch (err) {
    return errorMessage(err);
  }
}
