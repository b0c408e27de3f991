// A hook handing its work to the daemon (`gt agent report …`'s fast path): the same report and
// mail as the hook's own process would make, without loading gt there. Anything the daemon will
// not answer gets `fallback`, and the hook then does its work itself.
import type { HookCall } from '../agents/hook-run.js';
import { answerHook, parseHookInput } from '../agents/hook-run.js';
import { errorMessage } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Settings } from '../town/settings.js';
import { whoAmI } from '../town/whoami.js';

/** What the daemon answers; compaction (which may hand the agent off) stays with the hook. */
export const DAEMON_HOOK_EVENTS = ['prompt', 'stop', 'notification'] as const;

/** The session's variables a hook sends: who it is, and its secret. */
export const HOOK_ENV_KEYS = ['GT_ROLE', 'GT_RIG', 'GT_CREW', 'GT_AGENT_TOKEN'] as const;

export interface HookReply {
  stdout?: string;
  stderr?: string;
  code?: number;
  fallback?: string;
}

export interface HookAnswerDeps {
  root: string;
  settings: () => Settings;
  store: Store;
  now: () => number;
  /** A report changed something: the daemon takes a pass. */
  changed: () => void;
}

/** A request over the daemon's socket: a hook's work, or a nudge to queue. Never rejects. */
export async function answerRequest(deps: HookAnswerDeps, request: unknown): Promise<HookReply> {
  if (typeof request !== 'object' || request === null) return { fallback: 'not a request' };
  const r = request as Record<string, unknown>;
  if (r.v !== 1) return { fallback: 'not a request this daemon knows' };
  if (r.gt === 'nudge') return (await import('./nudge-answer.js')).answerNudgeRequest(deps, r);
  return answerHookRequest(deps, request);
}

export async function answerHookRequest(
  deps: HookAnswerDeps,
  request: unknown,
): Promise<HookReply> {
  const call = hookCallOf(deps.root, request);
  if (typeof call === 'string') return { fallback: call };
  try {
    const settings = deps.settings();
    const answer = await answerHook(
      { store: deps.store, notify: settings.notify, now: deps.now() },
      call,
    );
    if (answer.events.length > 0) deps.changed();
    return { stdout: answer.stdout, stderr: answer.stderr, code: 0 };
  } catch (err) {
    return { fallback: errorMessage(err) };
  }
}

/** The call a request makes, or why it makes none. */
export function hookCallOf(root: string, request: unknown): HookCall | string {
  if (typeof request !== 'object' || request === null) return 'not a request';
  const r = request as Record<string, unknown>;
  if (r.gt !== 'hook' || r.v !== 1) return 'not a hook request this daemon knows';
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

/** The session's variables a request names (only those a command acting for an agent reads). */
export function sessionEnv(given: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (typeof given !== 'object' || given === null) return env;
  for (const key of HOOK_ENV_KEYS) {
    const value = (given as Record<string, unknown>)[key];
    if (typeof value === 'string') env[key] = value;
  }
  return env;
}
