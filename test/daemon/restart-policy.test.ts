import { describe, expect, it } from 'vitest';
import {
  backoffFor,
  decideRestart,
  settleHistory,
} from '../../src/agents/failures/restart-policy.js';

const S = 1000;
const M = 60 * S;
const policy = {
  backoffMs: 30 * S,
  backoffMaxMs: 10 * M,
  crashLoopRestarts: 5,
  windowMs: 15 * M,
  stableAfterMs: 30 * M,
};

describe('restart policy', () => {
  it('backoff: none at first, then 30 s doubling to 10 min', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffFor(n, policy) / S)).toEqual([
      0, 30, 60, 120, 240, 480, 600,
    ]);
  });
  it('restarts a first death at once', () => {
    expect(decideRestart({ restarts: [], parkedAt: null, startedAt: 0 }, 100 * M, policy)).toEqual({
      kind: 'restart',
      restarts: [100 * M],
    });
  });
  it('waits out the backoff after a recent restart', () => {
    const now = 100 * M;
    expect(
      decideRestart(
        { restarts: [now - 10 * S], parkedAt: null, startedAt: now - 10 * S },
        now,
        policy,
      ),
    ).toEqual({ kind: 'wait', until: now + 20 * S });
    expect(
      decideRestart(
        { restarts: [now - 31 * S], parkedAt: null, startedAt: now - 31 * S },
        now,
        policy,
      ).kind,
    ).toBe('restart');
  });
  it('parks an agent restarted 5 times within 15 min', () => {
    const now = 100 * M;
    const restarts = [now - 14 * M, now - 12 * M, now - 9 * M, now - 6 * M, now - 1 * M];
    const decision = decideRestart({ restarts, parkedAt: null, startedAt: now - M }, now, policy);
    expect(decision.kind).toBe('park');
    expect(decision.kind === 'park' && decision.reason).toMatch(
      /crash loop: restarted 5 times in 15 min/,
    );
  });
  it('restarts outside the window do not count', () => {
    const now = 100 * M;
    const restarts = [now - 40 * M, now - 30 * M, now - 20 * M, now - 16 * M, now - 10 * M];
    expect(
      decideRestart({ restarts, parkedAt: null, startedAt: now - 10 * M }, now, policy).kind,
    ).toBe('restart');
  });
  it('a parked agent stays parked', () => {
    expect(decideRestart({ restarts: [], parkedAt: 5, startedAt: 0 }, 100 * M, policy)).toEqual({
      kind: 'parked',
    });
  });
  it('history decays after 30 min of stable running', () => {
    const now = 100 * M;
    expect(
      settleHistory(
        { restarts: [now - 40 * M], parkedAt: null, startedAt: now - 31 * M },
        now,
        policy,
      ),
    ).toEqual([]);
    expect(
      settleHistory(
        { restarts: [now - 10 * M], parkedAt: null, startedAt: now - 10 * M },
        now,
        policy,
      ),
    ).toBeUndefined();
    expect(
      settleHistory({ restarts: [], parkedAt: null, startedAt: now - 60 * M }, now, policy),
    ).toBeUndefined();
    // a stable run means the next death starts from a clean slate
    const restarts = [now - 35 * M, now - 34 * M, now - 33 * M, now - 32 * M, now - 31 * M];
    expect(
      decideRestart({ restarts, parkedAt: null, startedAt: now - 31 * M }, now, {
        ...policy,
        windowMs: 60 * M,
      }).kind,
    ).toBe('restart');
  });
});
