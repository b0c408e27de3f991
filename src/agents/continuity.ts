// Whether an agent's new session resumes its predecessor's conversation or starts fresh, by why
// the predecessor ended: a crash, a reboot or a person's restart resume it (where the runtime
// can) and the agent is told what happened in one prompt; a handoff and a full context start
// fresh with their note. A resume that cannot work starts fresh once, with a note the daemon
// writes. The decision is pure (planStart); the rest records and tells.
import { existsSync } from 'node:fs';
import { GtError } from '../errors.js';
import type { AgentRecord, NewEvent, SessionEnding, Store, StoredEvent } from '../store/store.js';
import type { Address, Role } from '../town/identity.js';
import { printable } from '../util/text.js';
import type { AgentContext } from './context.js';
import { isConversationId } from './runtime/profile.js';
import { conversationReported } from './record.js';
import type { RuntimeProfile } from './runtime/profile.js';

/** How a new session should begin, as the caller that starts it knows. */
export interface Continuity {
  /** Why the session before this one ended (or is being ended by this start). */
  ended: SessionEnding;
  /** What said so (its last line, who restarted it), for its history and the restart prompt. */
  detail?: string | null | undefined;
  /** auto (by why it ended, the default), fresh, or resume (`conversationId`, else the recorded one). */
  choice?: 'auto' | 'fresh' | 'resume' | undefined;
  conversationId?: string | undefined;
  /** The session before failed to resume: fresh, with a note saying so. */
  fallback?: string | undefined;
}

export type StartPlan =
  { mode: 'fresh'; fallback?: string | undefined } | { mode: 'resumed'; conversationId: string };

/** Endings after which the work goes on in the same conversation. */
const RESUMING: ReadonlySet<SessionEnding> = new Set(['crash', 'reboot', 'restart']);

export interface PlanFacts {
  wish: Continuity | undefined;
  record: Pick<AgentRecord, 'conversationId' | 'transcriptPath'> | undefined;
  runtime: Pick<RuntimeProfile, 'name' | 'resume'>;
  setting: 'auto' | 'never';
  transcriptExists: (path: string) => boolean;
}

export class CannotResumeError extends GtError {
  constructor(what: string) {
    super('GT_CANNOT_RESUME', what, { hint: 'gt session history <agent> lists its conversations' });
  }
}

/** Fresh or resumed, and which conversation; throws only for a resume asked for explicitly. */
export function planStart(f: PlanFacts): StartPlan {
  const { wish, record } = f;
  if (wish === undefined || wish.choice === 'fresh') return { mode: 'fresh' };
  if (wish.fallback !== undefined) return { mode: 'fresh', fallback: wish.fallback };
  if (wish.choice === 'resume') {
    const id = wish.conversationId ?? record?.conversationId ?? undefined;
    if (f.runtime.resume === undefined)
      throw new CannotResumeError(`${f.runtime.name} cannot resume a conversation`);
    if (id === undefined) throw new CannotResumeError('no conversation of this agent is on record');
    if (!isConversationId(id))
      throw new CannotResumeError(`${JSON.stringify(id)} is not a conversation id`);
    return { mode: 'resumed', conversationId: id };
  }
  if (!RESUMING.has(wish.ended) || f.setting === 'never' || f.runtime.resume === undefined)
    return { mode: 'fresh' };
  const id = record?.conversationId;
  if (id == null || !isConversationId(id)) return { mode: 'fresh' };
  const transcript = record?.transcriptPath;
  if (transcript != null && !f.transcriptExists(transcript))
    return { mode: 'fresh', fallback: `its conversation's transcript is gone (${transcript})` };
  return { mode: 'resumed', conversationId: id };
}

/** The plan for this agent's next start, from its record and settings. */
export function planFor(
  ctx: Pick<AgentContext, 'settings'>,
  role: Role,
  runtime: RuntimeProfile,
  record: AgentRecord | undefined,
  wish: Continuity | undefined,
): StartPlan {
  return planStart({
    wish,
    record,
    runtime,
    setting: ctx.settings.agents[role].resume,
    transcriptExists: existsSync,
  });
}

/** Records how the agent's previous session ended, if it had one not yet recorded. */
export async function recordEnd(
  ctx: Pick<AgentContext, 'store' | 'now'>,
  previous: AgentRecord | undefined,
  ending: SessionEnding,
  detail: string | null = null,
): Promise<void> {
  if (previous?.startedAt == null) return;
  await ctx.store.endSession({
    identity: previous.identity,
    startedAt: previous.startedAt,
    endedAt: ctx.now(),
    ending,
    detail: detail === null ? null : printable(detail).slice(0, 500),
    runtime: previous.runtime,
    mode: previous.sessionMode,
    conversationId: previous.conversationId,
    transcriptPath: previous.transcriptPath,
  });
}

/** The conversation fields of a hook's JSON (Claude Code, Codex and Gemini CLI name them alike). */
export interface ConversationPayload {
  session_id?: unknown;
  sessionId?: unknown;
  transcript_path?: unknown;
  /** SessionStart's: startup, resume … */
  source?: unknown;
}

function transcriptOf(payload: ConversationPayload): string | null {
  const path = payload.transcript_path;
  return typeof path === 'string' &&
    path.startsWith('/') &&
    path.length < 4096 &&
    !/[\0\n]/.test(path)
    ? path
    : null;
}

/**
 * Records the conversation a hook says the session holds, when it is news; the event says so.
 * A payload without a well-formed id changes nothing.
 */
export async function noteConversation(
  store: Store,
  address: Address,
  payload: ConversationPayload,
  current: AgentRecord | undefined,
): Promise<StoredEvent[]> {
  const id = payload.session_id ?? payload.sessionId;
  if (!isConversationId(id)) return [];
  const transcriptPath =
    transcriptOf(payload) ?? (id === current?.conversationId ? current.transcriptPath : null);
  if (id === current?.conversationId && transcriptPath === current.transcriptPath) return [];
  await conversationReported(store, address, { conversationId: id, transcriptPath });
  const event: NewEvent = {
    kind: 'agent.conversation',
    identity: address,
    outcome: current?.sessionMode ?? 'fresh',
    reason: id,
    data: transcriptPath === null ? null : { transcript: transcriptPath },
  };
  return [await store.recordEvent(event)];
}
