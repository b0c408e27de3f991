// Applying the failure policy (agents/failure-policy.ts) to what an agent's screen shows: the
// record and an event for each new stretch, the mayor told once of a hold, one probe (a prompt
// to carry on) when a pause runs out, and the record cleared when the screen shows it working.
// A context that filled up is a cycle instead: a handoff note, then a fresh session.
import type { AgentContext } from '../agents/agent.js';
import { restartAgent } from '../agents/agent.js';
import { blockedExcerpt } from '../agents/activity.js';
import { HANDOFF_MARK, queueStartupPrompt } from '../agents/prime.js';
import { parseIdentity } from '../town/identity.js';
import type { Failure } from '../agents/failure.js';
import type { FailurePolicy } from '../agents/failure-policy.js';
import { decideFailure, HOLD_KINDS, PAUSE_KINDS } from '../agents/failure-policy.js';
import * as record from '../agents/record.js';
import type { AgentRecord, NewEvent, Store, StoredEvent } from '../store/store.js';
import { poke } from '../util/socket.js';
import type { Settings } from '../town/settings.js';
import { ms } from '../util/duration.js';

export interface FailureDeps extends AgentContext {
  now: () => number;
  onEvent?: ((event: StoredEvent) => void) | undefined;
}

/** What a probe asks: the agent tries its last step again. */
export const PROBE_TEXT =
  'The service should answer again now: carry on with what you were doing (retry the last step).';

export function failurePolicy(settings: Settings): FailurePolicy {
  return {
    backoffMs: ms(settings.failures.backoff),
    backoffMaxMs: ms(settings.failures.backoff_max),
    rateLimitMaxMs: ms(settings.failures.rate_limit_max),
  };
}

async function emit(deps: FailureDeps, event: NewEvent): Promise<void> {
  deps.onEvent?.(await deps.store.recordEvent(event));
}

const clock = (at: number | null): string =>
  at === null ? 'a person acts' : new Date(at).toISOString().slice(11, 19);

/**
 * One agent's screen reading against its record. `at.ready`: its turn is over (only then does a
 * screen without the failure mean it recovered: a CLI retrying by itself shows the error only
 * between tries). `at.idle`: ready with nothing queued, so a probe may be typed.
 */
export async function applyFailure(
  deps: FailureDeps,
  r: AgentRecord,
  failure: Failure | undefined,
  at: { ready: boolean; idle: boolean; exited?: boolean; lines?: readonly string[] },
): Promise<void> {
  if (failure === undefined) {
    if (r.failureKind === null || !isScreenKind(r.failureKind) || !at.ready) return;
    await record.recovered(deps.store, r.identity);
    await emit(deps, {
      kind: 'agent.recovered',
      identity: r.identity,
      outcome: 'recovered',
      reason: r.failureKind,
    });
    return;
  }
  // Held already (the hour's cycles spent): no need to count them again at every look.
  const cycle = failure.kind === 'context_full' && r.failureKind !== 'context_full';
  if (cycle && (at.ready || at.exited === true) && (await cycleFull(deps, r, failure, at))) return;
  const now = deps.now();
  const step = decideFailure(failure, r, now, failurePolicy(deps.settings));
  if (step === undefined) {
    if (failure.kind === r.failureKind && failure.evidence !== r.failureDetail)
      await record.failureSeen(deps.store, r.identity, failure.evidence);
    return;
  }
  await record.failed(deps.store, r.identity, step);
  await emit(deps, {
    kind: 'agent.failed',
    identity: r.identity,
    outcome: step.kind,
    reason: `${step.detail}; ${step.until === null ? 'held until a person acts' : `paused until ${clock(step.until)}`}`,
    data: { count: step.count, until: step.until },
  });
  if (step.notify && r.failureNotifiedAt === null) await tellMayor(deps, r, step.kind, step.detail);
  if (step.count > 1 && PAUSE_KINDS.has(step.kind) && at.idle) await probe(deps, r);
}

/** Kinds read from the screen (the others come from exits, dialogs and time). */
function isScreenKind(kind: string): boolean {
  return PAUSE_KINDS.has(kind) || HOLD_KINDS.has(kind);
}

async function probe(deps: FailureDeps, r: AgentRecord): Promise<void> {
  const nudge = await deps.store.enqueueNudge({ to: r.identity, from: 'deacon', text: PROBE_TEXT });
  await emit(deps, {
    kind: 'agent.probed',
    identity: r.identity,
    outcome: 'probed',
    reason: r.failureKind,
    data: { nudge: nudge.id },
  });
}

async function tellMayor(
  deps: FailureDeps,
  r: AgentRecord,
  kind: string,
  detail: string,
): Promise<void> {
  await deps.store.sendMessage({
    from: 'deacon',
    to: 'mayor',
    subject: `HELD: ${r.identity} (${kind})`,
    body: `${r.identity} cannot work: ${detail}\n\nNothing is retried or restarted until this is fixed. Then: gt daemon clear-backoff ${r.identity}`,
    priority: 'high',
    type: 'notification',
    senderVerified: true,
  });
  await record.failureNotified(deps.store, r.identity, deps.now());
}

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
}

/** Leaves the agent's successor a note, and replaces a live agent with a fresh session. */
export async function cycleWithNote(deps: FailureDeps, r: AgentRecord, c: Cycle): Promise<void> {
  await deps.store.sendMessage({
    from: 'deacon',
    to: r.identity,
    subject: `${HANDOFF_MARK}: ${c.subject}`,
    body: daemonNote(r, c.why, c.lines),
    priority: 'high',
    type: 'notification',
    senderVerified: true,
  });
  const id = parseIdentity(r.identity);
  if (c.exited !== true) {
    await restartAgent(deps, id);
    await queueStartupPrompt(deps, id);
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
async function cycleFull(
  deps: FailureDeps,
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
  });
  return true;
}

/**
 * `gt daemon clear-backoff` (and the dashboard's): the restart history and any hold or pause
 * forgotten; an agent held or paused on what its screen showed is asked to try again at once.
 * `tag`: what the caller adds to the event (who asked).
 */
export async function clearBackoff(
  store: Store,
  address: string,
  daemonSocket: string,
  tag: Pick<NewEvent, 'reason' | 'data'> = {},
): Promise<{ was: string | null; retried: boolean; event: StoredEvent }> {
  const before = await store.getAgent(address);
  await record.unparked(store, address);
  const retried = before?.failureKind != null && before.session !== null;
  if (retried) {
    await store.enqueueNudge({ to: address, from: 'deacon', text: PROBE_TEXT });
    await poke(daemonSocket);
  }
  const event = await store.recordEvent({
    kind: 'agent.unparked',
    identity: address,
    outcome: 'cleared',
    ...tag,
  });
  return { was: before?.failureKind ?? null, retried, event };
}
