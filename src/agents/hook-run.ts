// One hook event of an agent's runtime, answered: the report (token-verified) and, with the
// prompt, the agent's unread mail as context for the model. The same work whether the hook's
// own process does it (`gt agent report`) or hands it to the daemon over its socket.
import { errorMessage, InputError } from '../errors.js';
import { injectionBlock } from '../mail/inject.js';
import type { NotifySettings } from '../notify/rules.js';
import type { Store, StoredEvent } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress } from '../town/identity.js';
import type { HookEvent } from './report.js';
import { reportHook } from './report.js';
import { isVerifiedSender } from './token.js';

/**
 * How a hook's output reaches the model: `text` is read as context as it is (Claude Code,
 * Codex); Gemini CLI shows plain text to the person only and gives the model just the
 * `additionalContext` of a JSON answer.
 */
export const HOOK_FORMATS = ['text', 'gemini'] as const;

/** Context for the model as the runtime's hook reads it ('' stays '': nothing to add). */
export function hookContext(text: string, format: string | undefined): string {
  if (format !== 'gemini' || text === '') return text;
  return `${JSON.stringify({ hookSpecificOutput: { additionalContext: text } })}\n`;
}

/** A hook's standard input as the object its JSON holds; {} for anything else. */
export function parseHookInput(bytes: Buffer | string): Record<string, unknown> {
  try {
    const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export interface HookCall {
  event: HookEvent;
  payload: Record<string, unknown>;
  /** The agent the hook's session says it is (GT_ROLE …), and the secret it was given. */
  identity: Identity;
  token: string | undefined;
  injectMail: boolean;
  hookFormat: string | undefined;
}

export interface HookAnswer {
  stdout: string;
  stderr: string;
  /** Events the report recorded: news to the daemon when there are any. */
  events: StoredEvent[];
}

export interface HookDeps {
  store: Store;
  notify: NotifySettings;
  now: number;
}

/**
 * Answers `call`. Never throws: each part on its own, a report that fails must not keep the
 * mail from the model, and problems are words for the hook's standard error.
 */
export async function answerHook(deps: HookDeps, call: HookCall): Promise<HookAnswer> {
  const answer: HookAnswer = { stdout: '', stderr: '', events: [] };
  try {
    answer.events = await report(deps, call);
  } catch (err) {
    answer.stderr += `gt: agent report ${call.event}: ${errorMessage(err)}\n`;
  }
  if (call.injectMail) {
    try {
      const owner = formatAddress(call.identity);
      const unread = await deps.store.listInbox(owner, { unreadOnly: true });
      answer.stdout += hookContext(injectionBlock(owner, unread), call.hookFormat);
    } catch (err) {
      answer.stderr += `gt: agent report --inject-mail: ${errorMessage(err)}\n`;
    }
  }
  return answer;
}

async function report(deps: HookDeps, call: HookCall): Promise<StoredEvent[]> {
  const { store } = deps;
  const address = formatAddress(call.identity);
  if (!(await isVerifiedSender(store, call.identity, call.token)))
    throw new InputError('GT_UNVERIFIED_SENDER', `not ${address}'s own session`);
  return reportHook(store, address, call.event, call.payload, deps.now, deps.notify);
}
