// The policy per failure kind, a pure decision: pauses with their own backoff, holds that wait
// for a person, a stretch already on record left as it is.
import { describe, expect, it } from 'vitest';
import type { Failure } from '../../src/agents/failures/classify.js';
import { decideFailure } from '../../src/agents/failures/policy.js';

const NOW = 1_000_000;
const P = { backoffMs: 30_000, backoffMaxMs: 600_000, rateLimitMaxMs: 3_600_000 };
const none = {
  failureKind: null,
  failureSince: null,
  failureUntil: null,
  failureCount: null,
  failureDetail: null,
};
const f = (kind: Failure['kind'], retryInMs?: number): Failure => ({
  kind,
  evidence: `${kind} line`,
  ...(retryInMs === undefined ? {} : { retryInMs }),
});

describe('decideFailure', () => {
  it('a rate limit with a reset time pauses until then, not a hold', () => {
    expect(decideFailure(f('rate_limited', 30_000), none, NOW, P)).toMatchObject({
      kind: 'rate_limited',
      until: NOW + 30_000,
      count: 1,
      notify: false,
    });
  });

  it('without a reset time the pause doubles, up to failures.rate_limit_max', () => {
    const at = (count: number): number | null | undefined =>
      decideFailure(
        f('rate_limited'),
        {
          failureKind: 'rate_limited',
          failureSince: 1,
          failureUntil: NOW - 1,
          failureCount: count - 1,
          failureDetail: null,
        },
        NOW,
        P,
      )?.until;
    expect(at(1)).toBe(NOW + 30_000);
    expect(at(2)).toBe(NOW + 60_000);
    expect(at(4)).toBe(NOW + 240_000);
    expect(at(30)).toBe(NOW + 3_600_000);
  });

  it('network and overload back off on their own budget (failures.backoff_max)', () => {
    const step = decideFailure(
      f('network'),
      {
        failureKind: 'network',
        failureSince: 1,
        failureUntil: NOW - 1,
        failureCount: 9,
        failureDetail: null,
      },
      NOW,
      P,
    );
    expect(step).toMatchObject({ until: NOW + 600_000, count: 10, since: 1 });
  });

  it('a network failure waits its backoff, not the CLI’s next try, unless that is later', () => {
    expect(decideFailure(f('network', 1000), none, NOW, P)?.until).toBe(NOW + 30_000);
    expect(decideFailure(f('network', 254_000), none, NOW, P)?.until).toBe(NOW + 254_000);
  });

  it('bad credentials hold: no until, the mayor told; seen again, nothing changes', () => {
    expect(decideFailure(f('auth'), none, NOW, P)).toMatchObject({ until: null, notify: true });
    const held = { ...none, failureKind: 'auth', failureSince: 1, failureCount: 1 };
    expect(decideFailure(f('auth'), held, NOW, P)).toBeUndefined();
  });

  it('a failure cleared by hand and still on screen is not a new one', () => {
    const cleared = { ...none, failureDetail: 'auth line' };
    expect(decideFailure(f('auth'), cleared, NOW, P)).toBeUndefined();
    expect(decideFailure(f('network'), cleared, NOW, P)).toMatchObject({ kind: 'network' });
  });

  it('the same pause still running: nothing changes; a different kind starts a new stretch', () => {
    const paused = {
      failureKind: 'network',
      failureSince: 1,
      failureUntil: NOW + 5,
      failureCount: 2,
      failureDetail: null,
    };
    expect(decideFailure(f('network'), paused, NOW, P)).toBeUndefined();
    expect(decideFailure(f('auth'), paused, NOW, P)).toMatchObject({
      kind: 'auth',
      count: 1,
      since: NOW,
    });
  });
});
