// The agent runtime the daemon and the CLI share: start, stop, restart and inspect one agent's
// session. Every start gives the agent a fresh secret, so an old session's token stops working.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { GtError } from '../errors.js';
import { randomHex } from '../util/random.js';
import { hashToken } from '../mail/mail.js';
import type { AgentPatch, Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, identityFromSession, sessionName, workDirPath } from '../town/identity.js';
import type { Settings } from '../town/settings.js';
import { crashPoint } from '../lifecycle/crash.js';
import { themeFor } from './theme.js';
import type { SessionHost, SessionInfo } from './tmux.js';
import { SessionExistsError, TmuxTimeoutError, isTmuxUnavailable, sessionState } from './tmux.js';

export interface AgentContext {
  /** Town root. */
  root: string;
  settings: Settings;
  host: SessionHost;
  store: Store;
  /** Host this process acts for (settings.daemon.host); sessions are registered to it. */
  hostName: string;
  now?: () => number;
}

export interface StartAgentOptions {
  /**
   * Runs once the agent is known not to be running, before its token rotates and its
   * session starts: where workspace sync (src/workspace/sync.ts) plugs in. A throw aborts the start.
   */
  beforeStart?: (identity: Identity) => Promise<void>;
  /** Keep the pane after the agent exits so the death and its last output can be seen (default true). */
  remainOnExit?: boolean;
  /** The lifecycle request this start carries out; recorded with the agent, confirmed once tmux answers. */
  requestId?: string;
  /**
   * The caller has just stopped this agent's session and nothing else starts it meanwhile
   * (the daemon serialises each agent's work), so the check for a running session is skipped.
   */
  justStopped?: boolean;
}

export interface StopAgentOptions {
  /** The lifecycle request this stop carries out. */
  requestId?: string;
}

export interface StartedAgent {
  identity: string;
  session: string;
  info: SessionInfo;
}

export type AgentState = 'alive' | 'dead' | 'zombie' | 'unknown';

export interface AgentStatus {
  identity: string;
  session: string;
  state: AgentState;
  pid: number | null;
  uptimeSeconds: number | null;
}

export class WorkDirMissingError extends GtError {
  constructor(identity: string, dir: string) {
    super('GT_WORKDIR_MISSING', `work dir of ${identity} does not exist: ${dir}`, {
      hint: 'gt rig add and gt crew add create work dirs',
    });
  }
}

/** The environment an agent gets at creation; BD_ACTOR and GT_ROLE carry the canonical address. */
export function agentEnv(root: string, id: Identity, token: string): Record<string, string> {
  const address = formatAddress(id);
  return { GT_ROLE: address, BD_ACTOR: address, GT_TOWN_ROOT: root, GT_AGENT_TOKEN: token };
}

export class WorkDirOutsideTownError extends GtError {
  constructor(identity: string, dir: string, real: string) {
    super(
      'GT_WORKDIR_OUTSIDE_TOWN',
      `work dir of ${identity} (${dir}) resolves to ${real}, outside the town`,
      { hint: 'replace the symlink with a real folder inside the town (gt crew add makes one)' },
    );
  }
}

/** Throws unless `dir`, symlinks resolved, is the town root or inside it: no agent runs (or syncs) elsewhere. */
function requireInsideTown(root: string, identity: string, dir: string): void {
  const realRoot = realpathSync(root);
  const real = realpathSync(dir);
  const rel = relative(realRoot, real);
  if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) return;
  throw new WorkDirOutsideTownError(identity, dir, real);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function startAgent(
  ctx: AgentContext,
  id: Identity,
  opts: StartAgentOptions = {},
): Promise<StartedAgent> {
  const address = formatAddress(id);
  const session = sessionName(id);
  const cwd = workDirPath(ctx.root, id);
  if (!isDirectory(cwd)) throw new WorkDirMissingError(address, cwd);
  requireInsideTown(ctx.root, address, cwd);
  // Checked before the token rotates: a failed start must not unverify a running agent.
  if (!opts.justStopped && (await ctx.host.find(session)) !== undefined)
    throw new SessionExistsError(session);
  await opts.beforeStart?.(id);
  const token = randomHex(32);
  const tokenHash = hashToken(token);
  const startedAt = (ctx.now ?? Date.now)();
  await ctx.store.patchAgent(address, {
    host: ctx.hostName,
    session,
    tokenHash,
    startedAt,
    desired: 'running',
    // Only a lifecycle start names its request; other starts leave the last one on record.
    ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
    sessionConfirmed: false,
  });
  crashPoint('recorded');
  let info: SessionInfo;
  try {
    info = await ctx.host.start({
      name: session,
      cwd,
      command: ctx.settings.agents[id.role].command,
      env: agentEnv(ctx.root, id, token),
      theme: themeFor(id),
      remainOnExit: opts.remainOnExit ?? true,
    });
  } catch (err) {
    // After a timeout the session may exist after all: keep its token, leave it unconfirmed.
    if (!(err instanceof TmuxTimeoutError)) await forgetToken(ctx, address, tokenHash);
    throw err;
  }
  crashPoint('spawned');
  await ctx.store.patchAgent(address, { sessionConfirmed: true });
  return { identity: address, session, info };
}

/** Undoes a failed start's record, unless a racing start has saved its own token since. */
async function forgetToken(ctx: AgentContext, address: string, tokenHash: string): Promise<void> {
  if ((await ctx.store.getAgent(address))?.tokenHash !== tokenHash) return;
  await ctx.store.patchAgent(address, { session: null, tokenHash: null, startedAt: null });
}

/**
 * Ends the session and clears its token, so a process left holding the old token is no longer
 * verified. Whether the agent should run again is the caller's to record.
 */
async function endSession(
  ctx: AgentContext,
  id: Identity,
  extra: AgentPatch = {},
): Promise<boolean> {
  const existed = await ctx.host.stop(sessionName(id));
  const cleared: AgentPatch = {
    session: null,
    tokenHash: null,
    startedAt: null,
    sessionConfirmed: false,
  };
  await ctx.store.patchAgent(formatAddress(id), { ...cleared, ...extra });
  return existed;
}

/** Ends the agent's session and every process in it, and marks it stopped; false when it was not running. */
export async function stopAgent(
  ctx: AgentContext,
  id: Identity,
  opts: StopAgentOptions = {},
): Promise<boolean> {
  const request: AgentPatch = opts.requestId === undefined ? {} : { requestId: opts.requestId };
  return endSession(ctx, id, { ...request, desired: 'stopped' });
}

/** Stops the agent's session if it runs, then starts a fresh one (with a fresh token). */
export async function restartAgent(
  ctx: AgentContext,
  id: Identity,
  opts: StartAgentOptions = {},
): Promise<StartedAgent & { replaced: boolean }> {
  const replaced = await endSession(ctx, id);
  // Not justStopped: the daemon's keep-alive may start the agent between this stop and
  // this start, and only the check in startAgent keeps us from unverifying that session.
  return { ...(await startAgent(ctx, id, opts)), replaced };
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

/** One agent's state; 'unknown' when tmux cannot answer (never a reason to kill). */
export async function agentStatus(ctx: AgentContext, id: Identity): Promise<AgentStatus> {
  const identity = formatAddress(id);
  const session = sessionName(id);
  try {
    const info = await ctx.host.find(session);
    if (info !== undefined) return statusOf(identity, session, info, (ctx.now ?? Date.now)());
    return { identity, session, state: 'dead', pid: null, uptimeSeconds: null };
  } catch (err) {
    if (!isTmuxUnavailable(err)) throw err;
    return { identity, session, state: 'unknown', pid: null, uptimeSeconds: null };
  }
}

/**
 * Every agent session on the town's socket, plus agents this host started whose session is
 * gone (dead) — or, when tmux cannot answer, every agent this host started (unknown).
 */
export async function listAgentStatuses(ctx: AgentContext): Promise<AgentStatus[]> {
  const now = (ctx.now ?? Date.now)();
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
    out.set(record.session, {
      identity: record.identity,
      session: record.session,
      state,
      pid: null,
      uptimeSeconds: null,
    });
  }
  return [...out.values()].sort((a, b) => a.identity.localeCompare(b.identity));
}
