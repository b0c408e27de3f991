// What an agent is told when its session was restarted under it: resumed, one prompt saying
// what happened; a resume that could not work, a handoff note the daemon writes and the first
// prompt of a fresh session. A prompt that was being submitted as the old session ended is
// settled first (it reached the model, or it is carried in what the agent is told), so it is
// neither lost nor typed twice.
import type { AgentRecord, Nudge } from '../store/store.js';
import { readTail } from '../util/fs.js';
import { printable } from '../util/text.js';
import { blockedExcerpt } from './activity.js';
import type { Continuity, StartPlan } from './continuity.js';
import type { AgentContext } from './context.js';
import { emit } from './context.js';
import { queueNudge } from './nudges/queue.js';
import { HANDOFF_MARK, queueStartupPrompt } from './prime.js';
import type { ResolvedAgent } from './resolve.js';

/** How much of a transcript's end is searched for a prompt in flight. */
const TRANSCRIPT_TAIL_BYTES = 8 * 1024 * 1024;
/** The start of a prompt looked for in a transcript (as JSON writes it). */
const PROMPT_HEAD_CHARS = 200;

type Ctx = Pick<AgentContext, 'root' | 'settings' | 'store' | 'onEvent' | 'now'>;

/** Whether a transcript (JSON lines, as the runtimes keep them) holds the prompt's text. */
export function transcriptHolds(transcript: string, text: string): boolean {
  const head = text.trim().slice(0, PROMPT_HEAD_CHARS);
  return head !== '' && transcript.includes(JSON.stringify(head).slice(1, -1));
}

/**
 * Prompts whose Enter was pressed but that no hook acknowledged as the old session ended:
 * delivered where its transcript holds them, else failed, and returned to be told.
 */
export async function settleInFlight(ctx: Ctx, previous: AgentRecord): Promise<Nudge[]> {
  const typed = await ctx.store.listNudges({ to: previous.identity, statuses: ['typed'] });
  const inFlight = typed.filter((n) => n.attempts > 0);
  if (inFlight.length === 0) return [];
  const transcript =
    previous.transcriptPath === null
      ? ''
      : readTail(previous.transcriptPath, TRANSCRIPT_TAIL_BYTES);
  const untold: Nudge[] = [];
  for (const n of inFlight) {
    const now = ctx.now();
    const reached = transcriptHolds(transcript, n.text);
    const patch = reached
      ? { status: 'delivered' as const, deliveredAt: now, ack: 'transcript' }
      : {
          status: 'failed' as const,
          error:
            'its session ended before it was acknowledged: what the restarted agent is told carries it',
        };
    if ((await ctx.store.updateNudge(n.id, ['typed'], patch, now)) === undefined) continue;
    if (!reached) untold.push(n);
    await emit(ctx, {
      kind: reached ? 'nudge.delivered' : 'nudge.failed',
      identity: previous.identity,
      outcome: reached ? 'delivered' : 'failed',
      reason: reached ? 'transcript' : patch.error,
      data: { nudge: n.id },
    });
  }
  return untold;
}

const clock = (at: number): string => new Date(at).toTimeString().slice(0, 5);

/** What ended the session, as the agent is told it. */
export function whatHappened(wish: Continuity, at: number): string {
  const detail = wish.detail == null || wish.detail === '' ? '' : ` (${printable(wish.detail)})`;
  switch (wish.ended) {
    case 'crash':
      return `restarted after a crash at ${clock(at)}${detail}`;
    case 'reboot':
      return `restored at ${clock(at)} after its tmux server went away (a reboot, or the server was ended)`;
    case 'restart':
      return `restarted at ${clock(at)}${detail}`;
    default:
      return `started again at ${clock(at)} (${wish.ended})`;
  }
}

function carried(untold: readonly Nudge[]): string {
  if (untold.length === 0) return '';
  const texts = untold.map((n) => `> ${printable(n.text).split('\n').join('\n> ')}`);
  return `\n\nA prompt was being submitted to you as the session ended and never reached you; here it is:\n\n${texts.join('\n\n')}`;
}

/** How every restart prompt begins (a fallback cancels the one its failed resume left queued). */
export const RESTART_PROMPT_MARK = '[gastown] Your session was ';

/** The one prompt a resumed agent gets. */
export function restartPrompt(wish: Continuity, at: number, untold: readonly Nudge[]): string {
  return `${RESTART_PROMPT_MARK}${whatHappened(wish, at)}, and your conversation was resumed. Continue where you were.${carried(untold)}`;
}

/** The restart prompt a resume that failed left queued: not for the fresh session. */
async function cancelRestartPrompts(ctx: Ctx, address: string): Promise<void> {
  const waiting = await ctx.store.listNudges({ to: address, statuses: ['queued', 'typing'] });
  const error = 'its session did not resume the conversation: a fresh one was started';
  for (const n of waiting.filter(
    (w) => w.from === 'deacon' && w.text.startsWith(RESTART_PROMPT_MARK),
  ))
    await ctx.store.updateNudge(
      n.id,
      ['queued', 'typing'],
      { status: 'cancelled', error },
      ctx.now(),
    );
}

/** The note the daemon leaves a session that could not resume its predecessor's conversation. */
export function fallbackNote(
  previous: AgentRecord | undefined,
  why: string,
  untold: readonly Nudge[],
): string {
  const screen = previous?.lastExit == null ? [] : previous.lastExit.split('\n');
  return [
    `Your predecessor's conversation could not be resumed (${why}), so the daemon started you fresh. It could not write its own handoff note. Its last screen:`,
    '',
    blockedExcerpt(screen) || '(nothing on record)',
    '',
    `Pick the work up from there: gt mail inbox ${previous?.identity ?? ''} for your mail, git status and git log for where the work stands.${carried(untold)}`,
  ].join('\n');
}

/**
 * After a start the caller gave a reason for: the resumed agent gets its one restart prompt; a
 * fallback gets a note and the first prompt of a fresh session (then `true`: the caller queues
 * no first prompt of its own).
 */
export async function tellAfterStart(
  ctx: Ctx,
  agent: ResolvedAgent,
  plan: StartPlan,
  wish: Continuity | undefined,
  previous: AgentRecord | undefined,
): Promise<boolean> {
  if (wish === undefined || previous === undefined || !agent.runtime.capabilities.model)
    return false;
  // Settled whatever the start: a fresh session (a handoff) must not wait on them either.
  const untold = await settleInFlight(ctx, previous);
  const fallback = plan.mode === 'fresh' ? plan.fallback : undefined;
  if (plan.mode === 'fresh' && fallback === undefined) return false;
  const at = ctx.now();
  if (plan.mode === 'resumed') {
    const text = restartPrompt(wish, at, untold);
    const reason = 'what happened, to the resumed session';
    await queueNudge(ctx, { to: agent.address, from: 'deacon', text, reason }, { poke: false });
    return true;
  }
  const why = fallback ?? '';
  await cancelRestartPrompts(ctx, agent.address);
  await ctx.store.sendMessage({
    from: 'deacon',
    to: agent.address,
    subject: `${HANDOFF_MARK}: conversation not resumed`,
    body: fallbackNote(previous, why, untold),
    priority: 'high',
    type: 'notification',
    senderVerified: true,
  });
  await queueStartupPrompt(ctx, agent);
  await emit(ctx, {
    kind: 'agent.resume-failed',
    identity: agent.address,
    outcome: 'fresh',
    reason: why,
    data: { conversation: previous.conversationId },
  });
  return true;
}
