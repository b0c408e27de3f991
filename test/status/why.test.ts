// gt why as a pure explanation over plain data: each situation gets its own next step.
import { describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../src/status/daemon.js';
import type { AgentLine } from '../../src/status/town.js';
import { explain } from '../../src/status/why.js';

const NOW = Date.parse('2026-11-29T14:00:00Z');

const agent = (over: Partial<AgentLine>): AgentLine => ({
  name: 'max',
  address: 'alpha/crew/max',
  session: 'gt-alpha-crew-max',
  role: 'crew',
  running: true,
  identity: 'alpha/crew/max',
  state: 'alive',
  pid: 42,
  uptime_seconds: 60,
  restarts: 0,
  parked: false,
  parked_reason: null,
  next_restart_at: null,
  requesting: [],
  state_error: null,
  last_exit: null,
  wanted: 'running',
  activity: 'ready',
  activity_since: '2026-11-29T13:55:00Z',
  activity_detail: null,
  runtime: 'claude',
  conversation_id: null,
  session_mode: null,
  kind: null,
  until: null,
  kind_detail: null,
  spent_today: null,
  ...over,
});

const daemon = (running: boolean): DaemonStatus => ({
  running,
  pid: running ? 7 : null,
  host: 'h',
  started_at: null,
  uptime_seconds: null,
  last_heartbeat: null,
  heartbeat_count: null,
  supervised: false,
});

describe('gt why', () => {
  const cases: Array<[string, Partial<AgentLine>, boolean, RegExp]> = [
    ['idle at its prompt', {}, true, /is running, ready for 5m.*Next: nothing planned/],
    [
      'its conversation resumed',
      { conversation_id: 'c0ffee-1', session_mode: 'resumed' },
      true,
      /ready for 5m\. Its conversation c0ffee-1 was resumed\./,
    ],
    [
      'its conversation fresh',
      { conversation_id: 'c0ffee-2', session_mode: 'fresh' },
      true,
      /Its conversation c0ffee-2 was started fresh\./,
    ],
    [
      'blocked on a question',
      { activity: 'blocked', activity_detail: 'Allow?' },
      true,
      /waits for a person \(Allow\?\); gt attach alpha\/crew\/max/,
    ],
    [
      'in a dialog',
      { activity: 'dialog', activity_detail: 'trust' },
      true,
      /answers its trust dialog/,
    ],
    [
      'stopped on purpose',
      { state: 'dead', running: false, wanted: 'stopped' },
      true,
      /wanted stopped and is not running.*stopped on purpose \(gt session start alpha\/crew\/max/,
    ],
    [
      'parked',
      { state: 'dead', parked: true, parked_reason: 'crash loop: restarted 5 times in 15 min' },
      true,
      /until gt daemon clear-backoff alpha\/crew\/max: parked \(crash loop/,
    ],
    [
      'down, no daemon',
      { state: 'dead' },
      false,
      /no daemon runs to bring it back \(gt daemon start\)/,
    ],
    [
      'down, backing off',
      { state: 'dead', next_restart_at: '2026-11-29T14:05:00.000Z' },
      true,
      /a restart at 14:05:00 \(backoff\)/,
    ],
    ['asking to cycle', { requesting: ['cycle'] }, true, /carries out its cycle request/],
    ['tmux silent', { state: 'unknown' }, true, /is unknown \(tmux did not answer\)/],
    [
      'rate limited, paused',
      {
        activity: 'ready',
        kind: 'rate_limited',
        until: '2026-11-29T14:05:00.000Z',
        kind_detail: 'API Error: Request rejected (429)',
      },
      true,
      /rate limited until 14:05:00; one probe then/,
    ],
    [
      'held on bad credentials',
      { kind: 'auth', kind_detail: 'Please run /login · API Error: 401' },
      true,
      /held: Please run \/login · API Error: 401; nothing is retried or restarted until gt daemon clear-backoff alpha\/crew\/max/,
    ],
    [
      'quiet, asked for its status',
      { activity: 'busy', kind: 'stalled', until: '2026-11-29T14:20:00.000Z' },
      true,
      /asked for its status; marked stalled at 14:20:00 if nothing moves/,
    ],
    [
      'marked stalled',
      { activity: 'busy', kind: 'stalled', until: null, kind_detail: 'no progress for 15m' },
      true,
      /stalled: no progress for 15m; it is not restarted for it/,
    ],
  ];
  for (const [what, over, running, text] of cases)
    it(what, () => {
      const why = explain({
        agent: agent(over),
        daemon: daemon(running),
        last: undefined,
        queuedNudges: 0,
        now: NOW,
      });
      expect(why.text).toMatch(text);
    });

  it('names the last decision and a queue of prompts', () => {
    const why = explain({
      agent: agent({}),
      daemon: daemon(true),
      last: {
        seq: 1,
        ts: Date.parse('2026-11-29T13:58:01Z'),
        kind: 'agent.restarted',
        identity: 'alpha/crew/max',
        messageId: null,
        requestId: null,
        action: null,
        outcome: 'restarted',
        reason: 'backoff over',
        durationMs: null,
        data: null,
      },
      queuedNudges: 2,
      now: NOW,
    });
    expect(why.text).toContain('Last: 13:58:01 agent.restarted restarted (backoff over).');
    expect(why.next).toBe('2 queued prompt(s) delivered when it is ready');
    expect(why.last_decision?.kind).toBe('agent.restarted');
  });
});
