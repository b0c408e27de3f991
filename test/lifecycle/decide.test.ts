// The lifecycle decision as a table over plain data: every row of DESIGN.md's protocol
// (screen, verify, stale, duplicate, resume after a crash at each step boundary), no tmux, no store.
import { EMPTY_AGENT } from '../helpers/memory-store.js';
import { describe, expect, it } from 'vitest';
import type { Plan, RequestFacts } from '../../src/lifecycle/decide.js';
import { decideRequest, firstFacts } from '../../src/lifecycle/decide.js';
import type { AgentState } from '../../src/state/agent-state.js';
import type { AgentRecord, Message } from '../../src/store/store.js';
import { canonicalAddress } from '../../src/town/identity.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const SENT = NOW - 1_000;
const MAX = canonicalAddress('alpha/crew/max');

function msg(over: Partial<Message> = {}): Message {
  return {
    id: 'gm-request1',
    seq: 1,
    from: MAX,
    to: 'deacon',
    subject: `LIFECYCLE: ${MAX} requesting cycle`,
    body: '{"action":"cycle","request_id":"rq-1"}',
    priority: 'high',
    type: 'lifecycle',
    threadId: null,
    replyTo: null,
    createdAt: SENT,
    read: false,
    senderVerified: true,
    status: 'claimed',
    claimOwner: 'd1',
    leaseExpiresAt: NOW + 60_000,
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

function record(over: Partial<AgentRecord> = {}): AgentRecord {
  return {
    ...EMPTY_AGENT,
    identity: MAX,
    host: 'h',
    session: 'gt-alpha-crew-max',
    tokenHash: 'x',
    startedAt: NOW - 3_600_000,
    sessionConfirmed: true,
    updatedAt: NOW,
    ...over,
  };
}

const asking = (action = 'cycle', id = 'rq-1', at = SENT - 10): AgentState => ({
  [`requesting_${action}`]: true,
  requesting_id: id,
  requesting_time: new Date(at).toISOString(),
});

const policy = { now: NOW, maxAgeMs: 3_600_000, requireVerifiedSender: true, maxAttempts: 3 };

/** Decides with every fact on hand, as execute.ts ends up having them. */
function decide(facts: Omit<RequestFacts, 'policy' | 'screened'>): Plan {
  return decideRequest({
    ...firstFacts(facts.msg, policy),
    agent: { record: undefined },
    ...facts,
  });
}

const shutdown = (over: Partial<Message> = {}): Message =>
  msg({
    subject: `LIFECYCLE: ${MAX} requesting shutdown`,
    body: '{"action":"shutdown","request_id":"rq-1"}',
    ...over,
  });

describe('decideRequest: screening', () => {
  it.each<[string, Partial<Message>, string, RegExp]>([
    ['not a lifecycle subject', { subject: 'hello' }, 'ignored', /not a lifecycle request/],
    ['unparseable body', { body: 'please?' }, 'rejected', /unparseable body/],
    ['unknown action', { body: '{"action":"explode"}' }, 'rejected', /unknown action/],
    ['sender not an agent', { from: '../../etc' }, 'rejected', /sender is not an agent/],
    ['too old', { createdAt: NOW - 7_200_000 }, 'rejected', /too old/],
    ['sent in the future', { createdAt: NOW + 3_600_000 }, 'rejected', /in the future/],
    ['unverified sender', { senderVerified: false }, 'rejected', /unverified sender/],
  ])('%s → closed %s', (_, over, outcome, reason) => {
    const plan = decide({ msg: msg(over), state: asking() });
    expect(plan).toMatchObject({ kind: 'close', outcome });
    expect(plan.kind === 'close' && plan.reason).toMatch(reason);
  });

  it('a sender this town does not have is rejected with the reason', () => {
    const plan = decide({ msg: msg(), agent: { unknown: 'no crew member max' } });
    expect(plan).toEqual({
      kind: 'close',
      outcome: 'rejected',
      reason: 'no crew member max',
      tags: { action: 'cycle', identity: MAX, requestId: 'rq-1' },
    });
  });

  it('claimed more than max_attempts times without settling: dead-lettered unrun', () => {
    expect(decide({ msg: msg({ attempts: 4 }), state: asking() })).toMatchObject({ kind: 'dead' });
    expect(decide({ msg: msg({ attempts: 3 }), state: asking() })).toMatchObject({ kind: 'run' });
  });
});

describe('decideRequest: verify', () => {
  it.each<[string, AgentState, RegExp]>([
    ['the agent is not asking', {}, /requesting_cycle is not set/],
    ['its flag is false', { ...asking(), requesting_cycle: false }, /is false, not true/],
    ['it asks for another action', asking('restart'), /requesting_cycle is not set/],
    ['it asks with a newer id', asking('cycle', 'rq-2'), /not the current one/],
    ['its ask carries no id', { requesting_cycle: true }, /state has no requesting_id/],
    [
      'sent before the current ask (the seed’s P0)',
      asking('cycle', 'rq-1', SENT + 60_000),
      /before the agent's current request/,
    ],
  ])('%s → stale, nothing run', (_, state, reason) => {
    const plan = decide({ msg: msg(), state });
    expect(plan).toMatchObject({ kind: 'close', outcome: 'stale' });
    expect(plan.kind === 'close' && plan.reason).toMatch(reason);
  });

  it('a duplicate of a request already carried out is stale: its flags were cleared', () => {
    const done = record({ requestMessageId: 'gm-earlier', sessionConfirmed: true });
    const plan = decide({ msg: msg({ id: 'gm-duplicate' }), agent: { record: done }, state: {} });
    expect(plan).toMatchObject({ kind: 'close', outcome: 'stale' });
  });
});

describe('decideRequest: fresh requests', () => {
  it('cycle and restart: stop the session, start a new one, clear the flags', () => {
    for (const action of ['cycle', 'restart']) {
      const m = msg({ body: `{"action":"${action}","request_id":"rq-1"}` });
      expect(decide({ msg: m, state: asking(action) })).toMatchObject({
        kind: 'run',
        resumed: false,
        steps: ['stop-session', 'start', 'clear-request'],
      });
    }
  });

  it('shutdown: record the stop first, stop the agent, clear the flags', () => {
    expect(decide({ msg: shutdown(), state: asking('shutdown') })).toMatchObject({
      kind: 'run',
      steps: ['record-stop', 'stop-agent', 'clear-request'],
    });
  });

  it('a plain-word request without an id needs only the flag', () => {
    const plan = decide({ msg: msg({ body: 'cycle' }), state: { requesting_cycle: true } });
    expect(plan).toMatchObject({ kind: 'run', tags: { requestId: undefined } });
  });
});

describe('decideRequest: asks only for the facts it needs', () => {
  it('screening needs no facts; an agent check comes before its state', () => {
    expect(decideRequest({ ...firstFacts(msg({ subject: 'hi' }), policy) })).toMatchObject({
      kind: 'close',
    });
    expect(decideRequest({ ...firstFacts(msg(), policy) })).toEqual({
      kind: 'need',
      fact: 'agent',
    });
    expect(decideRequest({ ...firstFacts(msg(), policy), agent: { record: undefined } })).toEqual({
      kind: 'need',
      fact: 'state',
    });
  });

  it('a resumption never reads the state file; only an unconfirmed start asks tmux', () => {
    const ours = record({ requestMessageId: 'gm-request1', sessionConfirmed: false });
    expect(decideRequest({ ...firstFacts(msg(), policy), agent: { record: ours } })).toEqual({
      kind: 'need',
      fact: 'sessionExists',
    });
    const confirmed = record({ requestMessageId: 'gm-request1' });
    expect(
      decideRequest({ ...firstFacts(msg(), policy), agent: { record: confirmed } }),
    ).toMatchObject({
      kind: 'run',
    });
  });
});

/**
 * A daemon killed at each step boundary leaves these facts behind; the next one must finish
 * the same action, never repeat it (DESIGN.md: exactly-once effect).
 */
describe('decideRequest: resuming after a crash at each step boundary', () => {
  const mine = (over: Partial<AgentRecord>): { record: AgentRecord } => ({
    record: record({ requestMessageId: 'gm-request1', ...over }),
  });

  it.each<[string, Omit<RequestFacts, 'policy' | 'msg' | 'screened'>, string[], boolean]>([
    [
      'cycle, at claimed: nothing done yet',
      { state: asking() },
      ['stop-session', 'start', 'clear-request'],
      false,
    ],
    [
      'cycle, at stopped: old session gone, nothing recorded',
      { state: asking() },
      ['stop-session', 'start', 'clear-request'],
      false,
    ],
    [
      'cycle, at recorded: no session made yet',
      { agent: mine({ sessionConfirmed: false }), sessionExists: false },
      ['start', 'clear-request'],
      true,
    ],
    [
      'cycle, at spawned: session made, not confirmed',
      { agent: mine({ sessionConfirmed: false }), sessionExists: true },
      ['confirm', 'clear-request'],
      true,
    ],
    [
      'cycle, at started: confirmed, flags still set',
      { agent: mine({}), state: asking() },
      ['clear-request'],
      true,
    ],
    [
      'cycle, at acted: everything done but the settling',
      { agent: mine({}), state: {} },
      ['clear-request'],
      true,
    ],
  ])('%s', (_, facts, steps, resumed) => {
    expect(decide({ msg: msg(), ...facts })).toMatchObject({ kind: 'run', steps, resumed });
  });

  it.each<[string, Partial<AgentRecord>]>([
    ['shutdown, at recorded', { desired: 'stopped' }],
    ['shutdown, at stopped', { desired: 'stopped', session: null, tokenHash: null }],
    ['shutdown, at acted', { desired: 'stopped', session: null, tokenHash: null }],
  ])('%s: stop (again, harmlessly) and clear', (_, over) => {
    expect(decide({ msg: shutdown(), agent: mine(over) })).toMatchObject({
      kind: 'run',
      steps: ['stop-agent', 'clear-request'],
      resumed: true,
    });
  });
});
