// The town at a glance, as `gt status --json` prints it (and the dashboard serves it): the
// daemon, every agent with its liveness and restart history, the rigs, the request queue.
// Gas Town's fields (name, location, agents[].name/address/session/role/running, rigs,
// summary) stand beside ours, so scripts written for either keep working.
import type { OutboxStatus, SpentToday } from './people.js';
import { OUTBOX_WINDOW, outboxOf, spentToday } from './people.js';
import type { PriceSetting } from '../town/settings-spend.js';
import type { Wanted } from '../agents/wanted.js';
import { wantedState } from '../agents/wanted.js';
import { errorMessage } from '../errors.js';
import type { Liveness, SessionHost, SessionInfo } from '../sessions/host.js';
import { sessionState } from '../sessions/host.js';
import { LIFECYCLE_ACTIONS, requestingKey } from '../protocol/request.js';
import { readAgentState } from '../state/agent-state.js';
import type { AgentRecord, MessageCounts, Store } from '../store/store.js';
import { listCrew, townAgents } from '../town/agents.js';
import type { Identity, Role } from '../town/identity.js';
import { formatAddress, identityFromSession, sessionName } from '../town/identity.js';
import { readRigs, readTownMarker } from '../town/layout.js';
import type { DaemonStatus } from './daemon.js';

export interface AgentLine {
  // Gas Town's
  name: string;
  address: string;
  session: string;
  role: Role;
  running: boolean;
  // ours
  identity: string;
  state: Liveness;
  pid: number | null;
  uptime_seconds: number | null;
  restarts: number;
  parked: boolean;
  parked_reason: string | null;
  next_restart_at: string | null;
  requesting: string[];
  state_error: string | null;
  last_exit: string | null;
  /** What the user wants: their last act on it, else its role's default (daemon.keep_alive). */
  wanted: Wanted;
  /** starting, dialog, ready, busy, blocked, exited (null: not known yet) */
  activity: string | null;
  activity_since: string | null;
  /** The dialog it shows, or why it is blocked. */
  activity_detail: string | null;
  runtime: string | null;
  /** The runtime's id of the conversation its session holds (null: none reported yet). */
  conversation_id: string | null;
  /** Whether its session began as a fresh conversation or resumed its predecessor's. */
  session_mode: string | null;
  /** Why it is not working (agents/failure.ts kinds), null when nothing is wrong. */
  kind: string | null;
  /** Until when nothing is done about it (a pause, a backoff); null for a hold or nothing. */
  until: string | null;
  /** The screen line or reason behind `kind`. */
  kind_detail: string | null;
  /** What it spent since the start of today (null: nothing on record). */
  spent_today: SpentToday | null;
}

export interface RigLine {
  name: string;
  crews: string[];
  crew_count: number;
  has_witness: boolean;
  has_refinery: boolean;
}

export interface TownStatus {
  name: string;
  location: string;
  daemon: DaemonStatus;
  agents: AgentLine[];
  rigs: RigLine[];
  summary: {
    rig_count: number;
    crew_count: number;
    witness_count: number;
    refinery_count: number;
    agent_count: number;
    running_count: number;
  };
  requests: MessageCounts & {
    dead_letters: Array<{ id: string; from: string; subject: string; error: string | null }>;
  };
  /** The notification outbox (of its latest OUTBOX_WINDOW rows). */
  notifications: OutboxStatus;
}

export interface StatusSources {
  root: string;
  store: Store;
  host: SessionHost;
  /** The daemon's health, asked for while tmux and the store are read. */
  daemon: () => Promise<DaemonStatus>;
  /** daemon.keep_alive: the default wanted state of agents the user never acted on. */
  keepAlive?: readonly string[];
  /** The town's own prices (settings prices), over the built-in list. */
  prices?: Readonly<Record<string, PriceSetting>>;
  now?: () => number;
}

export async function townStatus(src: StatusSources): Promise<TownStatus> {
  // tmux and the daemon answer while this process reads the store.
  const listing = src.host.list().catch((): SessionInfo[] | undefined => undefined);
  const daemon = src.daemon();
  daemon.catch(() => undefined); // awaited below; keeps an early failure from counting as unhandled
  const records = new Map((await src.store.listAgents()).map((r) => [r.identity, r]));
  const counts = await src.store.countByStatus('deacon');
  const dead = await src.store.listByStatus('deacon', 'dead', 20);
  const outbox = outboxOf(await src.store.listNotifications({ limit: OUTBOX_WINDOW }));
  const now = (src.now ?? Date.now)();
  const spent = await spentToday(src.store, now, src.prices ?? {});
  const sessions = await listing;
  const ids = new Map<string, Identity>(townAgents(src.root).map((id) => [formatAddress(id), id]));
  for (const s of sessions ?? []) {
    const id = identityFromSession(s.name);
    if (id !== undefined) ids.set(formatAddress(id), id);
  }
  const agents = [...ids.values()].map((id) => ({
    ...agentLine(src.root, id, sessions, records.get(formatAddress(id)), now, src.keepAlive ?? []),
    spent_today: spent.get(formatAddress(id)) ?? null,
  }));
  const rigs = rigLines(src.root);
  return {
    name: townName(src.root),
    location: src.root,
    daemon: await daemon,
    agents,
    rigs,
    summary: summarise(rigs, agents),
    requests: {
      ...counts,
      dead_letters: dead.map((m) => ({
        id: m.id,
        from: m.from,
        subject: m.subject,
        error: m.lastError,
      })),
    },
    notifications: outbox,
  };
}

function townName(root: string): string {
  try {
    return readTownMarker(root).name;
  } catch {
    return '';
  }
}

function rigLines(root: string): RigLine[] {
  return Object.keys(readRigs(root).rigs)
    .sort()
    .map((name) => {
      const crews = listCrew(root, name);
      return { name, crews, crew_count: crews.length, has_witness: true, has_refinery: true };
    });
}

function summarise(rigs: readonly RigLine[], agents: readonly AgentLine[]): TownStatus['summary'] {
  return {
    rig_count: rigs.length,
    crew_count: rigs.reduce((n, r) => n + r.crew_count, 0),
    witness_count: rigs.filter((r) => r.has_witness).length,
    refinery_count: rigs.filter((r) => r.has_refinery).length,
    agent_count: agents.length,
    running_count: agents.filter((a) => a.running).length,
  };
}

/** Gas Town's short name of an agent: the crew member's name, else the role. */
function shortName(id: Identity): string {
  return id.role === 'crew' ? id.name : id.role;
}

function requestingOf(root: string, id: Identity): { requesting: string[]; error: string | null } {
  try {
    const state = readAgentState(root, id);
    return {
      requesting: LIFECYCLE_ACTIONS.filter((a) => state[requestingKey(a)] === true),
      error: null,
    };
  } catch (err) {
    return { requesting: [], error: errorMessage(err) };
  }
}

function agentLine(
  root: string,
  id: Identity,
  sessions: SessionInfo[] | undefined,
  record: AgentRecord | undefined,
  now: number,
  keepAlive: readonly string[],
): Omit<AgentLine, 'spent_today'> {
  const session = sessionName(id);
  const info = sessions?.find((s) => s.name === session);
  const state: Liveness =
    sessions === undefined ? 'unknown' : info === undefined ? 'dead' : sessionState(info);
  const { requesting, error } = requestingOf(root, id);
  const showExit = state !== 'alive' || record?.parkedAt != null;
  const address = formatAddress(id);
  return {
    name: shortName(id),
    address,
    session,
    role: id.role,
    running: state === 'alive',
    identity: address,
    state,
    pid: info?.panePid ?? null,
    uptime_seconds: info && state === 'alive' ? Math.floor((now - info.createdAt) / 1000) : null,
    restarts: record?.restarts.length ?? 0,
    parked: record?.parkedAt != null,
    parked_reason: record?.parkedReason ?? null,
    next_restart_at:
      record?.nextRestartAt == null ? null : new Date(record.nextRestartAt).toISOString(),
    requesting,
    state_error: error,
    last_exit: showExit ? (record?.lastExit ?? null) : null,
    wanted: wantedState(id, record, keepAlive),
    ...activityOf(state, record),
    runtime: record?.runtime ?? null,
    conversation_id: record?.conversationId ?? null,
    session_mode: record?.sessionMode ?? null,
    ...kindOf(state, record, wantedState(id, record, keepAlive)),
  };
}

function kindOf(
  state: Liveness,
  record: AgentRecord | undefined,
  wanted: Wanted,
): Pick<AgentLine, 'kind' | 'until' | 'kind_detail'> {
  if (record?.failureKind != null)
    return {
      kind: record.failureKind,
      until: iso(record.failureUntil),
      kind_detail: record.failureDetail,
    };
  if (record?.parkedAt != null)
    return { kind: 'crash', until: null, kind_detail: record.parkedReason };
  if (state === 'alive' && record?.activity === 'blocked')
    return {
      kind: 'blocked',
      until: null,
      kind_detail: record.activityDetail?.split('\n')[0] ?? null,
    };
  if (state !== 'alive' && wanted === 'stopped')
    return { kind: 'stopped', until: null, kind_detail: null };
  if (state !== 'alive' && record?.nextRestartAt != null)
    return {
      kind: 'crash',
      until: iso(record.nextRestartAt),
      kind_detail: record.lastExit?.split('\n').at(-1) ?? null,
    };
  return { kind: null, until: null, kind_detail: null };
}

/** The recorded activity while the session lives; a session that is gone has exited. */
const iso = (ms: number | null | undefined): string | null =>
  ms == null ? null : new Date(ms).toISOString();

function activityOf(
  state: Liveness,
  record: AgentRecord | undefined,
): Pick<AgentLine, 'activity' | 'activity_since' | 'activity_detail'> {
  if (record === undefined) return { activity: null, activity_since: null, activity_detail: null };
  if (state === 'dead' || state === 'zombie')
    return { activity: 'exited', activity_since: iso(record.lastExitAt), activity_detail: null };
  return {
    activity: record.activity,
    activity_since: iso(record.activitySince),
    activity_detail: record.activityDetail,
  };
}

/** Whether `gt status` lists an agent: anything but a dead one nothing is known about. */
export function worthShowing(a: AgentLine): boolean {
  return (
    a.state !== 'dead' ||
    a.restarts > 0 ||
    a.parked ||
    a.last_exit !== null ||
    a.requesting.length > 0 ||
    a.wanted === 'running'
  );
}
