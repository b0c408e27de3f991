// Applying the failure policy (policy.ts) to what an agent's screen shows: the record and an
// event for each new stretch, the mayor told once of a hold, one probe (a prompt to carry on)
// when a pause runs out, and the record cleared when the screen shows it working. A context
// that filled up is a cycle instead (cycle.ts): a handoff note, then a fresh session.
import type { AgentRecord } from '../../store/store.js';
import type { Settings } from '../../town/settings.js';
import { ms } from '../../util/duration.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';
import type { Failure } from './classify.js';
import { queueNudge } from '../nudges/queue.js';
import * as record from '../record.js';
import { cycleFull } from './cycle.js';
import type { FailurePolicy } from './policy.js';
import { decideFailure, HOLD_KINDS, PAUSE_KINDS } from './policy.js';
import { tellMayor } from './tell.js';

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

const clock = (at: number | null): string =>
  at === null ? 'a person acts' : new Date(at).toISOString().slice(11, 19);

/**
 * One agent's screen reading against its record. `at.ready`: its turn is over (only then does a
 * screen without the failure mean it recovered: a CLI retrying by itself shows the error only
 * between tries). `at.idle`: ready with nothing queued, so a probe may be typed.
 */
export async function applyFailure(
  deps: AgentContext,
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
  if (step.notify && r.failureNotifiedAt === null) {
    const body = `${r.identity} cannot work: ${step.detail}\n\nNothing is retried or restarted until this is fixed. Then: gt daemon clear-backoff ${r.identity}`;
    await tellMayor(deps, { subject: `HELD: ${r.identity} (${step.kind})`, body });
    await record.failureNotified(deps.store, r.identity, deps.now());
  }
  if (step.count > 1 && PAUSE_KINDS.has(step.kind) && at.idle) await probe(deps, r);
}

/** Kinds read from the screen (the others come from exits, dialogs, time and spend). */
function isScreenKind(kind: string): boolean {
  return PAUSE_KINDS.has(kind) || (HOLD_KINDS.has(kind) && kind !== 'budget');
}

async function probe(ctx: AgentContext, r: AgentRecord): Promise<void> {
  const { nudge } = await queueNudge(
    ctx,
    { to: r.identity, from: 'deacon', text: PROBE_TEXT, reason: 'probe' },
    { poke: false },
  );
  await emit(ctx, {
    kind: 'agent.probed',
    identity: r.identity,
    outcome: 'probed',
    reason: r.failureKind,
    data: { nudge: nudge.id },
  });
}
