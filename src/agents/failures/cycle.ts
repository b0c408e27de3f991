// A cycle the daemon makes for an agent that cannot hand off itself: a handoff note from the
// deacon with its last screen, then a fresh session whose first prompt carries the note. A full
// context is cycled at most failures.context_cycles times an hour.
import type { AgentRecord, SessionEnding } from '../../store/store.js';
import { planFor } from '../continuity.js';
import { blockedExcerpt } from '../activity.js';
import { restartAgent } from '../agent.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';
import type { Failure } from './classify.js';
import { HANDOFF_MARK, queueStartupPrompt } from '../prime.js';
import { resolveAgent } from '../resolve.js';

/** The successor's note from the daemon: why it was started fresh, and its predecessor's screen. */
export function daemonNote(r: AgentRecord, why: string, lines: readonly string[]): string {
  return [
    `${why} It could not write its own handoff note. Its last screen:`,
    '',
    blockedExcerpt(lines),
    '',
    `Pick the work up from there: gt mail inbox ${r.identity} for your mail, git status and git log for where the work stands.`,
  ].join('\n');
}

export interface Cycle {
  /** After "🤝 HANDOFF: ". */
  subject: string;
  /** The note's first sentence. */
  why: string;
  lines: readonly string[];
  /** Dead already: the note only (keep-alive starts the successor). */
  exited?: boolean | undefined;
  reason: string;
  data?: Record<string, unknown>;
  /** How the predecessor's session is recorded as ended (default: a handoff). */
  ending?: SessionEnding;
}

/** Leaves the agent's successor a note, and replaces a live agent with a fresh session. */
export async function cycleWithNote(deps: AgentContext, r: AgentRecord, c: Cycle): Promise<void> {
  await deps.store.sendMessage({
    from: 'deacon',
    to: r.identity,
    subject: `${HANDOFF_MARK}: ${c.subject}`,
    body: daemonNote(r, c.why, c.lines),
    priority: 'high',
    type: 'notification',
    senderVerified: true,
  });
  if (c.exited !== true) {
    const agent = resolveAgent(deps, r.identity);
    const ended = c.ending ?? 'handoff';
    await restartAgent(deps, agent, {
      continuity: { ended, detail: c.reason, choice: 'fresh' },
    });
    await queueStartupPrompt(deps, agent);
  }
  await emit(deps, {
    kind: 'agent.cycled',
    identity: r.identity,
    outcome: c.exited === true ? 'noted' : 'cycled',
    reason: c.reason,
    ...(c.data === undefined ? {} : { data: c.data }),
  });
}

/**
 * A full context: the agent is cycled with a handoff note, at most failures.context_cycles
 * times an hour (then held, as a loop would only fill the next one too). A dead agent gets the
 * note, and keep-alive starts its successor. False when the budget is spent.
 */
export async function cycleFull(
  deps: AgentContext,
  r: AgentRecord,
  f: Failure,
  at: { exited?: boolean; lines?: readonly string[] },
): Promise<boolean> {
  const hour = deps.now() - 3_600_000;
  const recent = (await deps.store.listEvents({ identity: r.identity, sinceTs: hour })).filter(
    (e) => e.kind === 'agent.cycled' && e.reason?.startsWith('context full') === true,
  );
  if (recent.length >= deps.settings.failures.context_cycles) return false;
  await cycleWithNote(deps, r, {
    subject: 'context full',
    why: `Your predecessor's context filled up (${f.evidence}), so the daemon started you fresh.`,
    lines: at.lines ?? [],
    exited: at.exited,
    reason: `context full: ${f.evidence}`,
    data: { cyclesThisHour: recent.length + 1 },
    ending: 'context_full',
  });
  return true;
}

/**
 * Restarts a live agent into the same conversation, told why in one prompt (a settings change
 * it should pick up); false, doing nothing, when its conversation cannot be resumed.
 */
export async function restartResuming(
  deps: AgentContext,
  r: AgentRecord,
  detail: string,
): Promise<boolean> {
  const agent = resolveAgent(deps, r.identity);
  const continuity = { ended: 'restart' as const, detail };
  if (planFor(deps, agent.id.role, agent.runtime, r, continuity).mode !== 'resumed') return false;
  await restartAgent(deps, agent, { continuity });
  await emit(deps, {
    kind: 'agent.cycled',
    identity: r.identity,
    outcome: 'resumed',
    reason: detail,
  });
  return true;
}
