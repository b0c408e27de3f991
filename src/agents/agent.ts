// Starting, stopping and restarting one agent: its session on the host, its record in the
// store, its secret. Every start gives the agent a fresh token, so an old session's stops working.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { GtError } from '../errors.js';
import type { SessionHost, SessionInfo } from '../sessions/host.js';
import { SessionExistsError, TmuxTimeoutError } from '../sessions/tmux.js';
import { themeFor } from '../sessions/theme.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, sessionName, workDirPath } from '../town/identity.js';
import type { Settings } from '../town/settings.js';
import { agentEnv } from './env.js';
import type { GtInvocation } from './gt-command.js';
import * as record from './record.js';
import { hashToken, newAgentToken } from './token.js';

/** The instants at which the exactly-once tests may kill the process (see lifecycle/crash.ts). */
export type CrashStep = 'claimed' | 'recorded' | 'stopped' | 'spawned' | 'started' | 'acted';

export interface AgentContext {
  /** Town root. */
  root: string;
  settings: Settings;
  host: SessionHost;
  store: Store;
  /** Host this process acts for (settings.daemon.host); sessions are registered to it. */
  hostName: string;
  now?: () => number;
  /** Called at each step boundary; the exactly-once tests make it kill the process there. */
  crashPoint?: ((step: CrashStep) => void) | undefined;
  /** This gt, for the agent's PATH and status line; absent, sessions get neither. */
  gt?: GtInvocation | undefined;
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

export class WorkDirMissingError extends GtError {
  constructor(identity: string, dir: string) {
    super('GT_WORKDIR_MISSING', `work dir of ${identity} does not exist: ${dir}`, {
      hint: 'gt rig add and gt crew add create work dirs',
    });
  }
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
  const token = newAgentToken();
  const tokenHash = hashToken(token);
  const startedAt = (ctx.now ?? Date.now)();
  await record.started(ctx.store, address, {
    host: ctx.hostName,
    session,
    tokenHash,
    startedAt,
    requestId: opts.requestId,
  });
  ctx.crashPoint?.('recorded');
  let info: SessionInfo;
  try {
    info = await ctx.host.start({
      name: session,
      cwd,
      command: ctx.settings.agents[id.role].command,
      env: agentEnv(ctx.root, id, token, ctx.gt),
      theme: themeFor(id, statusJob(ctx, address)),
      remainOnExit: opts.remainOnExit ?? true,
    });
  } catch (err) {
    // After a timeout the session may exist after all: keep its token, leave it unconfirmed.
    if (!(err instanceof TmuxTimeoutError)) await forgetToken(ctx, address, tokenHash);
    throw err;
  }
  ctx.crashPoint?.('spawned');
  await record.confirmed(ctx.store, address);
  return { identity: address, session, info };
}

/** The status line's mail count: `gt status-line` for this agent, run by tmux. */
function statusJob(ctx: AgentContext, address: string): string[] | undefined {
  if (ctx.gt === undefined) return undefined;
  return [...ctx.gt.argv, '--town', ctx.root, 'status-line', '--identity', address];
}

/** Undoes a failed start's record, unless a racing start has saved its own token since. */
async function forgetToken(ctx: AgentContext, address: string, tokenHash: string): Promise<void> {
  if ((await ctx.store.getAgent(address))?.tokenHash !== tokenHash) return;
  await record.startFailed(ctx.store, address);
}

/** Ends the agent's session and every process in it, and marks it stopped; false when it was not running. */
export async function stopAgent(
  ctx: AgentContext,
  id: Identity,
  opts: StopAgentOptions = {},
): Promise<boolean> {
  const existed = await ctx.host.stop(sessionName(id));
  await record.stopped(ctx.store, formatAddress(id), { keepDown: true, requestId: opts.requestId });
  return existed;
}

/** Stops the agent's session if it runs, then starts a fresh one (with a fresh token). */
export async function restartAgent(
  ctx: AgentContext,
  id: Identity,
  opts: StartAgentOptions = {},
): Promise<StartedAgent & { replaced: boolean }> {
  const replaced = await ctx.host.stop(sessionName(id));
  await record.stopped(ctx.store, formatAddress(id), { keepDown: false });
  // Not justStopped: the daemon's keep-alive may start the agent between this stop and
  // this start, and only the check in startAgent keeps us from unverifying that session.
  return { ...(await startAgent(ctx, id, opts)), replaced };
}
