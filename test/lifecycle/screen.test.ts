import { describe, expect, it } from 'vitest';
import { parseBody } from '../../src/protocol/request.js';
import { screenMessage } from '../../src/lifecycle/screen.js';
import type { Message } from '../../src/store/store.js';

const NOW = 1_800_000_000_000;

function msg(over: Partial<Message> = {}): Message {
  return {
    id: 'gm-1',
    seq: 1,
    from: 'alpha/crew/max',
    to: 'deacon',
    subject: 'LIFECYCLE: alpha/crew/max requesting cycle',
    body: '{"action":"cycle","request_id":"rq-abc"}',
    priority: 'high',
    type: 'lifecycle',
    threadId: null,
    replyTo: null,
    createdAt: NOW - 1000,
    read: false,
    senderVerified: true,
    status: 'claimed',
    claimOwner: 'd',
    leaseExpiresAt: null,
    attempts: 1,
    nextAttemptAt: 0,
    lastError: null,
    outcome: null,
    outcomeReason: null,
    closedAt: null,
    firstClaimedAt: NOW,
    ...over,
  };
}

const policy = { now: NOW, maxAgeMs: 3_600_000, requireVerifiedSender: true };

describe('parseBody', () => {
  it.each([
    ['{"action":"cycle"}', 'cycle', undefined],
    ['{"action":"Restart","request_id":"rq-1"}', 'restart', 'rq-1'],
    ['{"action":"stop"}', 'shutdown', undefined],
    ['cycle', 'cycle', undefined],
    ['  SHUTDOWN \n', 'shutdown', undefined],
    ['stop', 'shutdown', undefined],
    ['restart', 'restart', undefined],
    ['action: restart', 'restart', undefined],
    ['Handing off now.\nAction: cycle\nThanks', 'cycle', undefined],
    ['notes\n  ACTION :  shutdown  \nmore', 'shutdown', undefined],
  ])('%j → %s', (body, action, requestId) => {
    expect(parseBody(body)).toEqual(requestId === undefined ? { action } : { action, requestId });
  });

  it.each([
    ['', /unparseable/],
    ['please cycle me', /unparseable/],
    ['{"action":"explode"}', /unknown action "explode"/],
    ['{"action":3}', /unknown action 3/],
    ['{}', /unknown action missing/],
    ['{"action":"cycle"', /does not parse/],
    ['["cycle"]', /unparseable/],
    ['{"action":"cycle","request_id":"../../x y"}', /request_id/],
    ['{"action":"cycle","request_id":7}', /request_id/],
    ['action: dance', /unknown action "dance"/],
  ])('%j is refused', (body, reason) => {
    const result = parseBody(body);
    expect('error' in result && result.error).toMatch(reason);
  });
});

describe('screenMessage', () => {
  it('accepts a fresh verified request', () => {
    expect(screenMessage(msg(), policy)).toEqual({
      kind: 'request',
      request: {
        messageId: 'gm-1',
        action: 'cycle',
        requestId: 'rq-abc',
        sender: { role: 'crew', rig: 'alpha', name: 'max' },
        address: 'alpha/crew/max',
        session: 'gt-alpha-crew-max',
        createdAt: NOW - 1000,
      },
    });
  });
  it('the subject gate is case-insensitive; other mail is not a request', () => {
    expect(screenMessage(msg({ subject: 'lifecycle: x' }), policy).kind).toBe('request');
    expect(screenMessage(msg({ subject: 'Lifecycle:cycle' }), policy).kind).toBe('request');
    expect(screenMessage(msg({ subject: 'hello deacon' }), policy).kind).toBe('not-lifecycle');
    expect(screenMessage(msg({ subject: 'Re: LIFECYCLE: x' }), policy).kind).toBe('not-lifecycle');
  });
  it.each([
    ['days old', { createdAt: NOW - 3 * 86_400_000 }, /too old/],
    ['from the future', { createdAt: NOW + 3_600_000 }, /future/],
    ['unverified', { senderVerified: false }, /unverified sender/],
    ['hostile sender', { from: '../../etc' }, /sender is not an agent/],
    ['unknown sender form', { from: 'nobody' }, /sender is not an agent/],
    ['unparseable body', { body: 'do the thing' }, /unparseable/],
    ['unknown action', { body: '{"action":"explode"}' }, /unknown action/],
  ])('%s is rejected', (_name, over, reason) => {
    const screened = screenMessage(msg(over), policy);
    expect(screened.kind).toBe('rejected');
    expect(screened.kind === 'rejected' && screened.reason).toMatch(reason);
  });
  it('an unverified sender passes where the town allows it', () => {
    expect(
      screenMessage(msg({ senderVerified: false }), { ...policy, requireVerifiedSender: false })
        .kind,
    ).toBe('request');
  });
  it('a seed-style dash sender is understood', () => {
    const screened = screenMessage(msg({ from: 'alpha-crew-max', body: 'cycle' }), policy);
    expect(screened.kind === 'request' && screened.request.sender).toEqual({
      role: 'crew',
      rig: 'alpha',
      name: 'max',
    });
  });
});
