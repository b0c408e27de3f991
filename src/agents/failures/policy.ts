// What the daemon does about each failure kind — a pure decision over the failure read from the
// screen, what the agent's record says already, and the time:
//   rate_limited         pause until the reset (else a doubling backoff up to failures.
//                        rate_limit_max), not a crash; one probe at the end, then resume
//   network, overloaded  pause with its own doubling backoff (failures.backoff…backoff_max),
//                        one probe at the end
//   auth, context_full   hold: no probe, no restart; the mayor told once; cleared by
//                        gt daemon clear-backoff (or when the screen shows it fixed)
//   budget               hold as well, set from what the agent spent (budget.ts), never
//                        from its screen; lifted the next day
import type { Failure, FailureKind } from './classify.js';
import type { AgentRecord } from '../../store/store.js';

export interface FailurePolicy {
  backoffMs: number;
  backoffMaxMs: number;
  rateLimitMaxMs: number;
}

/** Kinds that hold the agent (no probe, no restart) until a person acts. */
export const HOLD_KINDS: ReadonlySet<string> = new Set<FailureKind>([
  'auth',
  'context_full',
  'budget',
]);
/** Kinds that pause the agent, then probe it once. */
export const PAUSE_KINDS: ReadonlySet<string> = new Set<FailureKind>([
  'rate_limited',
  'network',
  'overloaded',
]);

export type FailureRecord = Pick<
  AgentRecord,
  'failureKind' | 'failureSince' | 'failureUntil' | 'failureCount' | 'failureDetail'
>;

export interface FailureStep {
  kind: string;
  detail: string;
  since: number;
  /** null: held until a person acts. */
  until: number | null;
  count: number;
  /** Tell the mayor (a hold's first sight). */
  notify: boolean;
}

function pauseMs(f: Failure, count: number, p: FailurePolicy): number {
  // A rate limit's wait is when the limit resets. Any other wait is the CLI's own next try,
  // which says nothing of when the service is back: the backoff, and never before that try.
  if (f.retryInMs !== undefined && f.kind === 'rate_limited') return f.retryInMs;
  const max = f.kind === 'rate_limited' ? p.rateLimitMaxMs : p.backoffMaxMs;
  return Math.max(f.retryInMs ?? 0, Math.min(max, p.backoffMs * 2 ** Math.min(20, count - 1)));
}

/**
 * The failure the screen shows, against the record: undefined when it is the stretch already
 * recorded (nothing to change), else the new stretch (a new kind, or the same kind again once
 * its pause has run out and a probe was made).
 */
export function decideFailure(
  f: Failure,
  record: FailureRecord | undefined,
  now: number,
  p: FailurePolicy,
): FailureStep | undefined {
  // A failure cleared by hand, still on screen until the next turn: not a new one.
  if (record?.failureKind == null && record?.failureDetail === f.evidence) return undefined;
  const same = record?.failureKind === f.kind;
  if (same && HOLD_KINDS.has(f.kind)) return undefined;
  if (same && record?.failureUntil != null && now < record.failureUntil) return undefined;
  const count = same ? (record?.failureCount ?? 0) + 1 : 1;
  const hold = HOLD_KINDS.has(f.kind);
  return {
    kind: f.kind,
    detail: f.evidence,
    since: same ? (record?.failureSince ?? now) : now,
    until: hold ? null : now + pauseMs(f, count, p),
    count,
    notify: hold,
  };
}
