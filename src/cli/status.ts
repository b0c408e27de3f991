// `gt status` (daemon, every agent, requests) and `gt events`.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { lastLine } from '../daemon/keepalive.js';
import { townAgents } from '../town/agents.js';
import { errorMessage, InputError } from '../errors.js';
import type { SessionInfo } from '../sessions/host.js';
import { TmuxHost } from '../sessions/tmux.js';
import { sessionState } from '../sessions/host.js';
import { LIFECYCLE_ACTIONS, readAgentState, requestingKey } from '../state/agent-state.js';
import type { AgentRecord, StoredEvent } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, identityFromSession, sessionName } from '../town/identity.js';
import { parseDuration } from '../util/duration.js';
import { oneLine } from '../util/text.js';
import { sleep } from '../util/wait.js';
import type { DaemonStatus } from './daemon.js';
import { daemonStatus, describeStatus } from './daemon.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, withTown } from './context.js';

interface AgentLine {
  identity: string;
  session: string;
  state: 'alive' | 'dead' | 'zombie' | 'unknown';
  pid: number | null;
  uptime_seconds: number | null;
  restarts: number;
  parked: boolean;
  parked_reason: string | null;
  next_restart_at: string | null;
  requesting: string[];
  state_error: string | null;
  last_exit: string | null;
}

interface StatusJson {
  daemon: DaemonStatus;
  agents: AgentLine[];
  requests: {
    open: number;
    claimed: number;
    done: number;
    dead: number;
    dead_letters: Array<{ id: string; from: string; subject: string; error: string | null }>;
  };
}

export function registerStatus(program: GtCommand): void {
  program
    .command('status')
    .description('the daemon, every agent (alive, dead, parked, requesting) and the request queue')
    .option('--json', 'print the status as JSON')
    .action((opts: { json?: boolean }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
        const status = await townStatus(town);
        if (opts.json) printJson(status);
        else printStatus(status);
      }),
    );

  program
    .command('events')
    .description('what the daemon decided and did, oldest first')
    .option(
      '--since <when>',
      'only events newer than this: a duration ago (10m, 2h) or an RFC 3339 time',
    )
    .option('-n, --limit <n>', 'at most this many (the newest)', '100')
    .option('-f, --follow', 'keep printing new events')
    .option('--json', 'print JSON (an array; with --follow one object per line)')
    .action(
      (opts: { since?: string; limit: string; follow?: boolean; json?: boolean }, cmd: Command) =>
        withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => showEvents(town, opts)),
    );
}

async function townStatus(town: TownContext): Promise<StatusJson> {
  // tmux and the daemon answer while this process reads the store.
  const listing = new TmuxHost({ socket: town.settings.tmux.socket })
    .list()
    .catch((): SessionInfo[] | undefined => undefined);
  const daemon = daemonStatus(town);
  daemon.catch(() => undefined); // awaited below; this keeps an early failure from counting as unhandled
  const store = await town.store();
  const records = new Map((await store.listAgents()).map((r) => [r.identity, r]));
  const sessions = await listing;
  const ids = new Map<string, Identity>(townAgents(town.root).map((id) => [formatAddress(id), id]));
  for (const s of sessions ?? []) {
    const id = identityFromSession(s.name);
    if (id !== undefined) ids.set(formatAddress(id), id);
  }
  const agents = [...ids.values()]
    .map((id) => agentLine(town, id, sessions, records.get(formatAddress(id))))
    .filter(
      (a) =>
        a.state !== 'dead' ||
        a.restarts > 0 ||
        a.parked ||
        a.last_exit !== null ||
        a.requesting.length > 0 ||
        records.has(a.identity),
    );
  const counts = await store.countByStatus('deacon');
  const dead = await store.listByStatus('deacon', 'dead', 20);
  return {
    daemon: await daemon,
    agents,
    requests: {
      ...counts,
      dead_letters: dead.map((m) => ({
        id: m.id,
        from: m.from,
        subject: m.subject,
        error: m.lastError,
      })),
    },
  };
}

function agentLine(
  town: TownContext,
  id: Identity,
  sessions: SessionInfo[] | undefined,
  record: AgentRecord | undefined,
): AgentLine {
  const name = sessionName(id);
  const info = sessions?.find((s) => s.name === name);
  const state =
    sessions === undefined ? 'unknown' : info === undefined ? 'dead' : sessionState(info);
  let requesting: string[] = [];
  let stateError: string | null = null;
  try {
    const agentState = readAgentState(town.root, id);
    requesting = LIFECYCLE_ACTIONS.filter((a) => agentState[requestingKey(a)] === true);
  } catch (err) {
    stateError = errorMessage(err);
  }
  const showExit = state !== 'alive' || record?.parkedAt != null;
  return {
    identity: formatAddress(id),
    session: name,
    state,
    pid: info?.panePid ?? null,
    uptime_seconds:
      info && state === 'alive' ? Math.floor((Date.now() - info.createdAt) / 1000) : null,
    restarts: record?.restarts.length ?? 0,
    parked: record?.parkedAt != null,
    parked_reason: record?.parkedReason ?? null,
    next_restart_at:
      record?.nextRestartAt == null ? null : new Date(record.nextRestartAt).toISOString(),
    requesting,
    state_error: stateError,
    last_exit: showExit ? (record?.lastExit ?? null) : null,
  };
}

function printStatus(status: StatusJson): void {
  println(describeStatus(status.daemon));
  println('');
  if (status.agents.length === 0) println('agents: none running');
  for (const a of status.agents) {
    const bits = [a.state.padEnd(7), a.identity.padEnd(28)];
    if (a.uptime_seconds !== null) bits.push(`up ${a.uptime_seconds}s`);
    if (a.restarts > 0) bits.push(`${a.restarts} restarts`);
    if (a.parked) bits.push(`PARKED (${a.parked_reason ?? ''})`);
    if (a.next_restart_at) bits.push(`restart at ${a.next_restart_at}`);
    if (a.requesting.length > 0) bits.push(`requesting ${a.requesting.join(', ')}`);
    if (a.state_error) bits.push(`state file: ${a.state_error}`);
    println(oneLine(bits.join('  ')));
    if (a.last_exit) println(`         last words: ${oneLine(lastLine(a.last_exit))}`);
  }
  const r = status.requests;
  println('');
  println(`requests: ${r.open} open, ${r.claimed} claimed, ${r.done} done, ${r.dead} dead letters`);
  for (const d of r.dead_letters)
    println(oneLine(`  dead ${d.id} from ${d.from}: ${d.error ?? ''}`));
}

function parseSince(text: string): number {
  const ago = parseDuration(text);
  if (ago !== undefined) return Date.now() - ago;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new InputError(
      'GT_BAD_TIME',
      `--since ${JSON.stringify(text)} is neither a duration (10m) nor a time (2026-01-02T03:04:05Z)`,
    );
  return at;
}

function eventJson(e: StoredEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    time: new Date(e.ts).toISOString(),
    kind: e.kind,
    identity: e.identity,
    message_id: e.messageId,
    request_id: e.requestId,
    action: e.action,
    outcome: e.outcome,
    reason: e.reason,
    duration_ms: e.durationMs,
    data: e.data,
  };
}

function eventLine(e: StoredEvent): string {
  const parts = [
    new Date(e.ts).toISOString().replace('T', ' ').slice(0, 23),
    e.kind.padEnd(18),
    e.identity ?? '-',
  ];
  if (e.action) parts.push(e.action);
  if (e.outcome) parts.push(e.outcome);
  if (e.reason) parts.push(`(${e.reason})`);
  if (e.durationMs !== null) parts.push(`${e.durationMs} ms`);
  return oneLine(parts.join('  '));
}

async function showEvents(
  town: TownContext,
  opts: { since?: string; limit: string; follow?: boolean; json?: boolean },
): Promise<void> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new InputError(
      'GT_BAD_LIMIT',
      `--limit must be a positive whole number, got ${JSON.stringify(opts.limit)}`,
    );
  const sinceTs = opts.since === undefined ? 0 : parseSince(opts.since);
  const store = await town.store();
  const events = (await store.listEvents({ sinceTs })).slice(-limit);
  if (opts.json && !opts.follow) printJson(events.map(eventJson));
  else for (const e of events) println(opts.json ? JSON.stringify(eventJson(e)) : eventLine(e));
  if (!opts.follow) return;
  let after = events[events.length - 1]?.seq ?? 0;
  for (;;) {
    await sleep(200);
    for (const e of await store.listEvents({ afterSeq: after, sinceTs })) {
      println(opts.json ? JSON.stringify(eventJson(e)) : eventLine(e));
      after = e.seq;
    }
  }
}
