// `gt why <address>`: one short paragraph on an agent — wanted against actual, what it is
// doing, the daemon's last decision about it and why, and what happens next and when.
import type { StoredEvent } from '../store/store.js';
import { formatDuration } from '../util/duration.js';
import type { DaemonStatus } from './daemon.js';
import type { AgentLine } from './town.js';

export interface WhyFacts {
  agent: AgentLine;
  daemon: DaemonStatus;
  /** The newest event about the agent. */
  last: StoredEvent | undefined;
  /** Prompts queued for it, not yet delivered. */
  queuedNudges: number;
  now: number;
}

export interface Why {
  address: string;
  wanted: string;
  actual: string;
  activity: string | null;
  /** The conversation its session holds, and whether it was resumed or started fresh. */
  conversation: { id: string; mode: string | null } | null;
  last_decision: {
    time: string;
    kind: string;
    outcome: string | null;
    reason: string | null;
  } | null;
  next: string;
  text: string;
}

const clock = (iso: string): string => iso.slice(11, 19);

function age(since: string | null, now: number): string {
  return since === null ? '' : ` for ${formatDuration(Math.max(0, now - Date.parse(since)))}`;
}

/** What happens next to an agent that is not running. */
function nextWhenDown(a: AgentLine, daemon: DaemonStatus): string {
  const held = nextForKind(a);
  if (held !== undefined && a.wanted === 'running') return held;
  if (a.wanted === 'stopped')
    return `nothing: it was stopped on purpose (gt session start ${a.address} brings it back)`;
  if (a.parked)
    return `nothing until gt daemon clear-backoff ${a.address}: parked (${a.parked_reason ?? 'crash loop'})`;
  if (!daemon.running) return 'nothing: no daemon runs to bring it back (gt daemon start)';
  if (a.next_restart_at !== null) return `a restart at ${clock(a.next_restart_at)} (backoff)`;
  return 'a restart at the daemon’s next pass';
}

const KIND_WORDS: Record<string, string> = {
  rate_limited: 'rate limited',
  network: 'unable to reach its service',
  overloaded: 'its service overloaded',
};

/** What happens next to an agent a failure holds or pauses; undefined for none. */
function nextForKind(a: AgentLine): string | undefined {
  if (a.kind === 'budget')
    return `held on its budget: ${a.kind_detail ?? 'spent its day'}; no new prompts until tomorrow or gt daemon clear-backoff ${a.address}`;
  if (a.kind === 'auth' || a.kind === 'context_full')
    return `held: ${a.kind_detail ?? a.kind}; nothing is retried or restarted until gt daemon clear-backoff ${a.address}`;
  if (a.kind === 'stalled')
    return a.until === null
      ? `stalled: ${a.kind_detail ?? 'no progress'}; it is not restarted for it (gt attach ${a.address} to look)`
      : `asked for its status; marked stalled at ${clock(a.until)} if nothing moves by then`;
  const words = a.kind === null ? undefined : KIND_WORDS[a.kind];
  if (words === undefined) return undefined;
  return a.until === null
    ? `${words}; one probe now`
    : `${words} until ${clock(a.until)}; one probe then`;
}

/** What happens next to a running agent. */
function nextWhenUp(a: AgentLine, f: WhyFacts): string {
  const held = nextForKind(a);
  if (held !== undefined) return held;
  if (a.requesting.length > 0)
    return f.daemon.running
      ? `the daemon carries out its ${a.requesting.join(', ')} request`
      : `its ${a.requesting.join(', ')} request waits for a daemon (gt daemon start)`;
  if (a.wanted === 'stopped') return 'nothing: it runs though not wanted (gt session stop ends it)';
  switch (a.activity) {
    case 'blocked':
      return `nothing is pressed: it waits for a person (${a.activity_detail ?? 'a question'}); gt attach ${a.address}`;
    case 'dialog':
      return `the daemon answers its ${a.activity_detail ?? ''} dialog`;
    case 'starting':
      return 'the daemon watches for its prompt';
    default:
      return f.queuedNudges > 0
        ? `${f.queuedNudges} queued prompt(s) delivered when it is ready`
        : 'nothing planned: the daemon keeps it running';
  }
}

export function explain(f: WhyFacts): Why {
  const a = f.agent;
  const up = a.state === 'alive';
  const actual = up
    ? 'running'
    : a.state === 'unknown'
      ? 'unknown (tmux did not answer)'
      : 'not running';
  const next = up ? nextWhenUp(a, f) : nextWhenDown(a, f.daemon);
  const last =
    f.last === undefined
      ? null
      : {
          time: new Date(f.last.ts).toISOString(),
          kind: f.last.kind,
          outcome: f.last.outcome,
          reason: f.last.reason,
        };
  const doing = up && a.activity !== null ? `, ${a.activity}${age(a.activity_since, f.now)}` : '';
  const lastText =
    last === null
      ? 'No decision recorded yet.'
      : `Last: ${clock(last.time)} ${last.kind}${last.outcome ? ` ${last.outcome}` : ''}${last.reason ? ` (${last.reason})` : ''}.`;
  const conversation =
    a.conversation_id === null ? null : { id: a.conversation_id, mode: a.session_mode };
  const held =
    conversation === null
      ? ''
      : ` Its conversation ${conversation.id} was ${conversation.mode === 'resumed' ? 'resumed' : 'started fresh'}.`;
  const text = `${a.address} is wanted ${a.wanted} and is ${actual}${doing}.${held} ${lastText} Next: ${next}.`;
  return {
    address: a.address,
    wanted: a.wanted,
    actual,
    activity: a.activity,
    conversation,
    last_decision: last,
    next,
    text,
  };
}
