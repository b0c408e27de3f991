// When to restart a dead agent: backoff that doubles with each restart in the window,
// parking on a crash loop, and forgetting the history once the agent has run stably; and
// the failures that keep a dead agent down. Pure.
import type { AgentRecord } from '../../store/store.js';
import type { Settings } from '../../town/settings.js';
import { ms } from '../../util/duration.js';
import { HOLD_KINDS, PAUSE_KINDS } from './policy.js';

export interface RestartPolicy {
  backoffMs: number;
  backoffMaxMs: number;
  /** More restarts than this within windowMs is a crash loop. */
  crashLoopRestarts: number;
  windowMs: number;
  stableAfterMs: number;
}

export interface RestartHistory {
  /** Times of automatic restarts, oldest first. */
  restarts: readonly number[];
  parkedAt: number | null;
  /** When the current (or last) session started. */
  startedAt: number | null;
}

export type RestartDecision =
  | { kind: 'restart'; restarts: number[] }
  | { kind: 'wait'; until: number }
  | { kind: 'park'; reason: string; restarts: number[] }
  | { kind: 'parked' };

/** Restarts still inside the window, given the agent has not been stable since. */
export function recentRestarts(
  history: RestartHistory,
  now: number,
  policy: RestartPolicy,
): number[] {
  return history.restarts.filter((t) => now - t < policy.windowMs);
}

/** Delay owed before the next restart: none for the first, then backoff doubling to the cap. */
export function backoffFor(restartsInWindow: number, policy: RestartPolicy): number {
  if (restartsInWindow === 0) return 0;
  return Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** (restartsInWindow - 1));
}

/** What to do about an agent found dead at `now`. */
export function decideRestart(
  history: RestartHistory,
  now: number,
  policy: RestartPolicy,
): RestartDecision {
  if (history.parkedAt !== null) return { kind: 'parked' };
  const stable = history.startedAt !== null && now - history.startedAt >= policy.stableAfterMs;
  const recent = stable ? [] : recentRestarts(history, now, policy);
  if (recent.length >= policy.crashLoopRestarts) {
    const minutes = Math.round(policy.windowMs / 60_000);
    return {
      kind: 'park',
      reason: `crash loop: restarted ${recent.length} times in ${minutes > 0 ? `${minutes} min` : `${policy.windowMs} ms`}`,
      restarts: recent,
    };
  }
  const last = recent[recent.length - 1];
  const due = last === undefined ? now : last + backoffFor(recent.length, policy);
  if (due > now) return { kind: 'wait', until: due };
  return { kind: 'restart', restarts: [...recent, now] };
}

/** A running agent's history after `now`: cleared once it has run stably long enough. */
export function settleHistory(
  history: RestartHistory,
  now: number,
  policy: RestartPolicy,
): number[] | undefined {
  if (history.restarts.length === 0 || history.startedAt === null) return undefined;
  return now - history.startedAt >= policy.stableAfterMs ? [] : undefined;
}

export function restartPolicy(settings: Settings): RestartPolicy {
  const r = settings.daemon.restart;
  return {
    backoffMs: ms(r.backoff),
    backoffMaxMs: ms(r.backoff_max),
    crashLoopRestarts: r.crash_loop_restarts,
    windowMs: ms(r.crash_loop_window),
    stableAfterMs: ms(r.stable_after),
  };
}

/**
 * A failure that keeps a dead agent down: a hold (bad credentials: a restart would only fail
 * again) or a pause not yet over (a rate limit: restarting is no faster than waiting, and it
 * is not a crash).
 */
export function heldDown(r: AgentRecord, now: number): boolean {
  if (r.failureKind === null) return false;
  if (HOLD_KINDS.has(r.failureKind)) return true;
  return PAUSE_KINDS.has(r.failureKind) && r.failureUntil !== null && now < r.failureUntil;
}
