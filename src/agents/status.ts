// What is running: one agent's liveness, or every agent session on the town's socket.
import type { Liveness, SessionInfo } from '../sessions/host.js';
import { sessionState } from '../sessions/host.js';
import { isTmuxUnavailable } from '../sessions/tmux.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, identityFromSession, sessionName } from '../town/identity.js';
import type { AgentContext } from './context.js';

export interface AgentStatus {
  identity: string;
  session: string;
  state: Liveness;
  pid: number | null;
  uptimeSeconds: number | null;
}

function statusOf(identity: string, session: string, info: SessionInfo, now: number): AgentStatus {
  return {
    identity,
    session,
    state: sessionState(info),
    pid: info.panePid,
    uptimeSeconds: Math.max(0, Math.floor((now - info.createdAt) / 1000)),
  };
}

function notRunning(identity: string, session: string, state: Liveness): AgentStatus {
  return { identity, session, state, pid: null, uptimeSeconds: null };
}

/** One agent's state; 'unknown' when tmux cannot answer (never a reason to kill). */
export async function agentStatus(ctx: AgentContext, id: Identity): Promise<AgentStatus> {
  const identity = formatAddress(id);
  const session = sessionName(id);
  try {
    const info = await ctx.host.find(session);
    if (info !== undefined) return statusOf(identity, session, info, ctx.now());
    return notRunning(identity, session, 'dead');
  } catch (err) {
    if (!isTmuxUnavailable(err)) throw err;
    return notRunning(identity, session, 'unknown');
  }
}

/**
 * Every agent session on the town's socket, plus agents this host started whose session is
 * gone (dead) — or, when tmux cannot answer, every agent this host started (unknown).
 */
export async function listAgentStatuses(ctx: AgentContext): Promise<AgentStatus[]> {
  const now = ctx.now();
  let sessions: SessionInfo[] | undefined;
  try {
    sessions = await ctx.host.list();
  } catch (err) {
    if (!isTmuxUnavailable(err)) throw err;
  }
  const out = new Map<string, AgentStatus>();
  for (const info of sessions ?? []) {
    const id = identityFromSession(info.name);
    if (id !== undefined) out.set(info.name, statusOf(formatAddress(id), info.name, info, now));
  }
  for (const record of await ctx.store.listAgents()) {
    if (record.session === null || record.host !== ctx.hostName || out.has(record.session))
      continue;
    const state = sessions === undefined ? 'unknown' : 'dead';
    out.set(record.session, notRunning(record.identity, record.session, state));
  }
  return [...out.values()].sort((a, b) => a.identity.localeCompare(b.identity));
}
