// Keep-alive: on each heartbeat, from one tmux listing, restart the agents of the
// keep-alive set that died, under the restart policy; keep the last screen of each death.
import { errorMessage } from '../errors.js';
import type { AgentContext } from '../agents/context.js';
import { emit } from '../agents/context.js';
import type { ResolvedAgent } from '../agents/resolve.js';
import { resolveAgent } from '../agents/resolve.js';
import type { StartedAgent } from '../agents/agent.js';
import { startHeld } from '../agents/agent.js';
import type { Continuity } from '../agents/continuity.js';
import { everStarted, wantedRunning } from '../agents/wanted.js';
import { profileOf } from '../agents/runtime/index.js';
import type { RuntimeProfile } from '../agents/runtime/profile.js';
import { applyFailure } from '../agents/failures/apply.js';
import { withAgentLock } from '../agents/lock.js';
import type { SessionInfo } from '../sessions/host.js';
import { sessionState } from '../sessions/host.js';
import * as record from '../agents/record.js';
import type { AgentRecord, EventKind } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { matchesAddressPattern } from '../town/identity.js';
import { townAgents } from '../town/agents.js';
import { sleep } from '../util/wait.js';
import type { RestartPolicy } from '../agents/failures/restart-policy.js';
import {
  decideRestart,
  heldDown,
  restartPolicy,
  settleHistory,
} from '../agents/failures/restart-policy.js';
import { tellMayor } from '../agents/failures/tell.js';

export const EXIT_CAPTURE_LINES = 20;

/** The daemon's context, and when it started: a session gone without a trace since before then went with a reboot. */
interface KeepAliveDeps extends AgentContext {
  bootAt?: number | undefined;
}

export function keepAliveSet(root: string, patterns: readonly string[]): Identity[] {
  if (patterns.length === 0) return [];
  return townAgents(root).filter((id) => patterns.some((p) => matchesAddressPattern(p, id)));
}

/** One keep-alive pass over `sessions` (the result of a single tmux listing). */
export async function keepAlive(
  ctx: AgentContext,
  sessions: readonly SessionInfo[],
  bootAt?: number,
): Promise<void> {
  const deps: KeepAliveDeps = { ...ctx, bootAt };
  const byName = new Map(sessions.map((s) => [s.name, s]));
  const policy = restartPolicy(deps.settings);
  const records = await deps.store.listAgents();
  // Each agent's record as listed: one query a heartbeat, not one per agent (one that is not
  // alive is read again under its lock).
  const byAddress = new Map(records.map((r) => [r.identity, r]));
  const wanted = wantedRunning(townAgents(deps.root), records, deps.settings.daemon.keep_alive);
  for (const id of wanted) {
    const agent = resolveAgent(deps, id);
    try {
      const known = byAddress.get(agent.address);
      await checkAgent(deps, agent, byName.get(agent.session), known, policy);
    } catch (err) {
      await emit(deps, {
        kind: 'agent.check-failed',
        identity: agent.address,
        reason: errorMessage(err),
      });
    }
  }
}

async function checkAgent(
  deps: KeepAliveDeps,
  agent: ResolvedAgent,
  info: SessionInfo | undefined,
  known: AgentRecord | undefined,
  policy: RestartPolicy,
): Promise<void> {
  const { address } = agent;
  if (known?.desired === 'stopped') return;
  if (known?.host != null && known.host !== deps.hostName) return;
  const now = deps.now();
  if (info !== undefined && sessionState(info) === 'alive') {
    const cleared = known && settleHistory(historyOf(known), now, policy);
    if (cleared !== undefined) await record.restartsCounted(deps.store, address, cleared);
    return;
  }
  // Under the agent's lock; a user may have restarted it since the listing.
  // (A start by the CLI holds the lock until tmux has the session: asked again, it is there.)
  await withAgentLock(deps.root, agent, () => checkHeld(deps, agent, info, known, policy, now));
}

/** The agent is not alive by the listing: buried, restored or restarted as its record says. */
async function checkHeld(
  deps: KeepAliveDeps,
  agent: ResolvedAgent,
  info: SessionInfo | undefined,
  known: AgentRecord | undefined,
  policy: RestartPolicy,
  now: number,
): Promise<void> {
  const { address } = agent;
  const latest = await deps.host.find(info?.name ?? agent.session);
  if (latest !== undefined && sessionState(latest) === 'alive') return;
  // Read before the burial marks it exited: had the session shown it was up?
  const before = (await deps.store.getAgent(address)) ?? known;
  const died = latest === undefined ? undefined : await buryZombie(deps, agent, latest, known);
  // Read again under the lock: a gt session stop that held it has made it wanted stopped.
  const current = (await deps.store.getAgent(address)) ?? known;
  if (current?.desired === 'stopped') return;
  if (current !== undefined && heldDown(current, now)) return;
  // Gone without a dead pane, started before this daemon: lost with the tmux server (a
  // reboot), not a crash. Restored at once, not counted towards a crash loop.
  const lost =
    latest === undefined &&
    deps.bootAt !== undefined &&
    current?.startedAt != null &&
    current.startedAt < deps.bootAt;
  if (lost) {
    const continuity: Continuity = { ended: 'reboot' };
    await startKept(deps, agent, { kind: 'agent.restarted', outcome: 'restored' }, continuity);
  } else if (died !== undefined && resumeRefused(before, died.lines, agent.runtime)) {
    // The CLI would not resume the conversation: once fresh, with a note, not a crash.
    const fallback = `the resumed session exited before it was up: ${died.reason}`;
    const continuity: Continuity = { ended: 'resume-failed', detail: died.reason, fallback };
    await startKept(deps, agent, { kind: 'agent.restarted', outcome: 'fresh' }, continuity);
  } else await restartDead(deps, agent, current, policy, now, died?.reason);
}

/**
 * A resumed session that died saying it has no such conversation, or before it ever showed
 * itself up: its CLI refused the resume.
 */
export function resumeRefused(
  r: AgentRecord | undefined,
  lastLines: readonly string[],
  runtime: Pick<RuntimeProfile, 'resumeRefused'>,
): boolean {
  if (r?.sessionMode !== 'resumed') return false;
  if (r.activity === 'starting' || r.activity === 'dialog') return true;
  const said = runtime.resumeRefused;
  return said !== undefined && lastLines.some((l) => said.test(l));
}

function historyOf(record: AgentRecord | undefined) {
  return {
    restarts: record?.restarts ?? [],
    parkedAt: record?.parkedAt ?? null,
    startedAt: record?.startedAt ?? null,
  };
}

/** Keeps the dead pane's last lines (why it died), then removes the session; returns why. */
async function buryZombie(
  deps: KeepAliveDeps,
  agent: ResolvedAgent,
  info: SessionInfo,
  known: AgentRecord | undefined,
): Promise<{ reason: string; lines: string[] }> {
  const lines = await lastWords(deps, info.name);
  const lastExit = lines.join('\n').trimEnd();
  const { address } = agent;
  const exited = await record.exited(deps.store, address, { lastExit, at: deps.now() });
  // What it said as it died may be why (a bad key, a rate limit): then that kind's policy.
  const failure = profileOf(known ?? exited, deps.settings).classify(lines);
  if (failure !== undefined)
    await applyFailure(deps, exited, failure, { ready: false, idle: false, exited: true, lines });
  await deps.host.stop(info.name);
  const status = info.paneDeadStatus === null ? '' : ` (exit status ${info.paneDeadStatus})`;
  const reason = `agent process exited${status}${lastExit ? `; last line: ${lastLine(lastExit)}` : ''}`;
  await emit(deps, {
    kind: 'agent.died',
    identity: address,
    outcome: 'died',
    reason,
    data: { lastLines: lines.slice(-EXIT_CAPTURE_LINES) },
  });
  return { reason, lines };
}

/** Waits before reading an empty dead pane again (a loaded machine needs the longer ones). */
const LAST_WORDS_RETRIES_MS = [100, 200, 400, 800];

/**
 * A dead pane's last lines. tmux may mark a pane dead before it has read the last bytes its
 * process wrote (seen: a death with no lines, its next one with them): an empty screen is read
 * again a moment later, up to four times (1.5 s for a process that died saying nothing).
 */
async function lastWords(deps: KeepAliveDeps, session: string): Promise<string[]> {
  // nothing to show is still a death to report
  const read = (): Promise<string[]> =>
    deps.host.capture(session, EXIT_CAPTURE_LINES).catch(() => []);
  let lines = await read();
  for (const wait of LAST_WORDS_RETRIES_MS) {
    if (lines.some((l) => l.trim() !== '')) return lines;
    await sleep(wait);
    lines = await read();
  }
  return lines;
}

export function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  return (lines[lines.length - 1] ?? '').trim().slice(0, 200);
}

/** No session was ever started for this agent (a failed first start counts as a restart). */
async function restartDead(
  deps: KeepAliveDeps,
  agent: ResolvedAgent,
  current: AgentRecord | undefined,
  policy: RestartPolicy,
  now: number,
  died: string | undefined,
): Promise<void> {
  const { address } = agent;
  if (!everStarted(current)) {
    // A first start is not a restart: it does not bring a crash loop nearer. If it fails,
    // it is one, so the next try waits its backoff.
    await startKept(
      deps,
      agent,
      { kind: 'agent.started', outcome: 'started' },
      undefined,
      async () => {
        await record.restartsCounted(deps.store, address, [now]);
      },
    );
    return;
  }
  const decision = decideRestart(historyOf(current), now, policy);
  switch (decision.kind) {
    case 'parked':
      return;
    case 'wait':
      if (current?.nextRestartAt !== decision.until)
        await record.restartDeferred(deps.store, address, decision.until);
      return;
    case 'park':
      await park(deps, agent, decision.reason, decision.restarts, current);
      return;
    case 'restart':
      await record.restartsCounted(deps.store, address, decision.restarts);
      await startKept(
        deps,
        agent,
        {
          kind: 'agent.restarted',
          outcome: 'restarted',
          data: { restartsInWindow: decision.restarts.length },
        },
        { ended: 'crash', detail: died ?? 'its session was gone' },
      );
      return;
    default: {
      const never: never = decision;
      return never;
    }
  }
}

/** Starts a kept-alive agent and records how that went. */
async function startKept(
  deps: KeepAliveDeps,
  agent: ResolvedAgent,
  success: { kind: EventKind; outcome: string; data?: Record<string, unknown> },
  continuity: Continuity | undefined,
  onFailure: () => Promise<void> = async () => {},
): Promise<void> {
  const { address } = agent;
  let started: StartedAgent;
  try {
    started = await startHeld(deps, agent, continuity === undefined ? {} : { continuity });
  } catch (err) {
    await onFailure();
    await emit(deps, {
      kind: 'agent.restart-failed',
      identity: address,
      outcome: 'failed',
      reason: errorMessage(err),
    });
    return;
  }
  const data = { ...success.data, mode: started.mode };
  await emit(deps, { ...success, identity: address, data });
}

async function park(
  deps: KeepAliveDeps,
  agent: ResolvedAgent,
  reason: string,
  restarts: number[],
  current: AgentRecord | undefined,
): Promise<void> {
  const { address } = agent;
  await record.parked(deps.store, address, { reason, restarts, at: deps.now() });
  const last = current?.lastExit ? `\n\nIts screen when it last died:\n${current.lastExit}` : '';
  await tellMayor(deps, {
    subject: `PARKED: ${address} (${reason})`,
    body: `The daemon stopped restarting ${address}: ${reason}.${last}\n\nWhen fixed: gt daemon clear-backoff ${address}`,
  });
  await emit(deps, { kind: 'agent.parked', identity: address, outcome: 'parked', reason });
}
