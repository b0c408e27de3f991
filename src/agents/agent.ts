// Starting, stopping and restarting one agent: its session on the host, its record in the
// store, its secret. Every start gives the agent a fresh token, so an old session's stops working.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { errorMessage, GtError } from '../errors.js';
import type { SessionInfo } from '../sessions/host.js';
import { SessionExistsError, TmuxTimeoutError } from '../sessions/tmux.js';
import { themeFor } from '../sessions/theme.js';
import type { Address, AgentPlace } from '../town/identity.js';
import type { AgentContext } from './context.js';
import { emit } from './context.js';
import { agentEnv, NOT_FOR_AN_AGENT } from './env.js';
import type { ResolvedAgent } from './resolve.js';
import * as record from './record.js';
import { withAgentLock } from './lock.js';
import { hashToken, newAgentToken } from './token.js';
import type { Continuity, StartPlan } from './continuity.js';
import { planFor, recordEnd } from './continuity.js';
import { tellAfterStart } from './restart-prompt.js';
import type { AgentRecord } from '../store/store.js';

export interface StartAgentOptions {
  /**
   * Runs once the agent is known not to be running, before its token rotates and its
   * session starts: where workspace sync (src/workspace/sync.ts) plugs in. A throw aborts the start.
   */
  beforeStart?: (agent: ResolvedAgent) => Promise<void>;
  /** Keep the pane after the agent exits so the death and its last output can be seen (default true). */
  remainOnExit?: boolean;
  /** The message of the lifecycle request this start carries out; recorded with the agent, confirmed once tmux answers. */
  requestMessageId?: string;
  /**
   * The caller holds the agent's lock and has just ended its session, so beforeStart may run
   * without first asking tmux whether the agent is running (it never runs for a running one).
   */
  knownStopped?: boolean;
  /**
   * Why the previous session ended, which decides whether this one resumes its conversation
   * (continuity.ts); absent, the session starts fresh and its predecessor's end is "replaced".
   */
  continuity?: Continuity;
}

export interface StopAgentOptions {
  /** The message of the lifecycle request this stop carries out. */
  requestMessageId?: string;
}

export interface StartedAgent {
  identity: Address;
  session: string;
  info: SessionInfo;
  /** A fresh conversation, or one resumed. */
  mode: 'fresh' | 'resumed';
  /** The agent was told what happened (a restart prompt, or a fallback's note and first prompt). */
  told: boolean;
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

/**
 * Starts the agent's session with a fresh token. Takes the agent's lock; `startHeld` is the
 * same for a caller that holds it.
 */
export function startAgent(
  ctx: AgentContext,
  agent: ResolvedAgent,
  opts: StartAgentOptions = {},
): Promise<StartedAgent> {
  return withAgentLock(ctx.root, agent, () => startHeld(ctx, agent, opts));
}

export async function startHeld(
  ctx: AgentContext,
  agent: ResolvedAgent,
  opts: StartAgentOptions = {},
): Promise<StartedAgent> {
  return (await launch(ctx, agent, opts, false)).started;
}

/**
 * Records a fresh token, then has tmux make the session (`replace`: in place of the running
 * one, in the same tmux call that ends it). The caller holds the agent's lock, so nothing else
 * starts or stops it meanwhile: if tmux finds the session already there, the record goes back
 * to what it said before, and the running agent stays verified.
 */
async function launch(
  ctx: AgentContext,
  agent: ResolvedAgent,
  opts: StartAgentOptions,
  replace: boolean,
): Promise<{ started: StartedAgent; replaced: boolean }> {
  const { address, session, workDir, runtime } = agent;
  if (!isDirectory(workDir)) throw new WorkDirMissingError(address, workDir);
  requireInsideTown(ctx.root, address, workDir);
  if (opts.beforeStart !== undefined) {
    // A workspace sync under a running agent would pull the floor from under it.
    if (!opts.knownStopped && (await ctx.host.find(session)) !== undefined)
      throw new SessionExistsError(session);
    await opts.beforeStart(agent);
  }
  const own = {
    ...runtime.env({ root: process.getuid?.() === 0 }),
    ...ctx.settings.agents[agent.id.role].env,
  };
  await installHooks(ctx, agent, own);
  await answerAhead(ctx, agent, own);
  const previous = await ctx.store.getAgent(address);
  const wish = opts.continuity;
  const plan = planFor(ctx, agent.id.role, runtime, previous, wish);
  const token = newAgentToken();
  const startedAt = ctx.now();
  const facts = { host: ctx.hostName, session, tokenHash: hashToken(token), startedAt };
  await record.started(ctx.store, address, {
    ...facts,
    runtime: runtime.name,
    requestMessageId: opts.requestMessageId,
    ...conversationFacts(plan, previous),
  });
  ctx.crashPoint?.('recorded');
  const env = { ...own, ...agentEnv(ctx.root, agent, token, ctx.gt) };
  const command =
    plan.mode === 'resumed' && runtime.resume !== undefined
      ? runtime.resume(agent.command, plan.conversationId)
      : agent.command;
  const spec = {
    name: session,
    cwd: workDir,
    command: runtime.launch?.(command, env) ?? command,
    env,
    unset: NOT_FOR_AN_AGENT,
    theme: themeFor(agent, statusJob(ctx, address)),
    remainOnExit: opts.remainOnExit ?? true,
    serverOptions: runtime.tmuxServerOptions,
  };
  let made: { info: SessionInfo; replaced: boolean };
  try {
    made = replace
      ? await ctx.host.replace(spec)
      : { info: await ctx.host.start(spec), replaced: false };
  } catch (err) {
    if (err instanceof SessionExistsError) await record.restored(ctx.store, address, previous);
    // After a timeout the session may exist after all: keep its token, leave it unconfirmed.
    else if (!(err instanceof TmuxTimeoutError)) await record.startFailed(ctx.store, address);
    throw err;
  }
  ctx.crashPoint?.('spawned');
  await record.confirmed(ctx.store, address);
  const ending = plan.mode === 'fresh' && plan.fallback !== undefined ? 'resume-failed' : undefined;
  await recordEnd(ctx, previous, ending ?? wish?.ended ?? 'replaced', wish?.detail ?? null);
  const told = await tellAfterStart(ctx, agent, plan, wish, previous);
  const started = { identity: address, session, info: made.info, mode: plan.mode, told };
  return { started, replaced: made.replaced };
}

/** The conversation a new session starts with: the one it resumes, or none yet (fresh). */
function conversationFacts(plan: StartPlan, previous: AgentRecord | undefined) {
  if (plan.mode === 'fresh')
    return { conversationId: null, transcriptPath: null, sessionMode: 'fresh' as const };
  const same = previous?.conversationId === plan.conversationId;
  return {
    conversationId: plan.conversationId,
    transcriptPath: same ? (previous?.transcriptPath ?? null) : null,
    sessionMode: 'resumed' as const,
  };
}

/** The gt commands a runtime's hooks run: fixed words, found on the session's PATH. */
export const HOOK_COMMANDS = {
  sessionStart: 'gt prime --hook',
  // One process per prompt: the report, and the agent's mail as context for the model.
  promptSubmit: ['gt agent report prompt --inject-mail'],
  turnEnd: 'gt agent report stop',
  notification: 'gt agent report notification',
  compact: 'gt agent report compact',
};

/**
 * Puts the runtime's hooks into the agent's work dir. A settings file gt cannot read is left
 * alone, on record: the agent still starts, its activity read from its screen instead.
 */
async function installHooks(
  ctx: AgentContext,
  agent: ResolvedAgent,
  env: Readonly<Record<string, string>>,
): Promise<void> {
  const hooks = agent.runtime.hooks;
  if (hooks === null) return;
  try {
    hooks.install({ workDir: agent.workDir, env }, HOOK_COMMANDS, agent.command);
  } catch (err) {
    await emit(ctx, {
      kind: 'agent.hooks-skipped',
      identity: agent.address,
      outcome: 'skipped',
      reason: errorMessage(err),
    });
  }
}

/**
 * Answers the runtime's start-up dialogs in its config, where the role wants them answered
 * ahead; each answer is on record. A config gt cannot read is left alone, on record too: the
 * dialogs then show and are answered on screen.
 */
async function answerAhead(
  ctx: AgentContext,
  agent: ResolvedAgent,
  env: Readonly<Record<string, string>>,
): Promise<void> {
  const { runtime } = agent;
  if (runtime.answerAhead === undefined || ctx.settings.agents[agent.id.role].dialogs !== 'ahead')
    return;
  const event = { kind: 'agent.dialog-answered' as const, identity: agent.address };
  try {
    for (const dialog of runtime.answerAhead({ workDir: agent.workDir, env }))
      await emit(ctx, { ...event, outcome: 'ahead', reason: dialog });
  } catch (err) {
    await emit(ctx, { ...event, outcome: 'skipped', reason: errorMessage(err) });
  }
}

/** The status line's mail count: `gt status-line` for this agent, run by tmux. */
function statusJob(ctx: AgentContext, address: Address): string[] | undefined {
  if (ctx.gt === undefined) return undefined;
  return [...ctx.gt.argv, '--town', ctx.root, 'status-line', '--identity', address];
}

/** Ends the agent's session and every process in it, and marks it stopped; false when it was not running. */
export function stopAgent(
  ctx: AgentContext,
  agent: AgentPlace,
  opts: StopAgentOptions = {},
): Promise<boolean> {
  return withAgentLock(ctx.root, agent, () => stopHeld(ctx, agent, opts));
}

export async function stopHeld(
  ctx: AgentContext,
  agent: AgentPlace,
  opts: StopAgentOptions = {},
): Promise<boolean> {
  const previous = await ctx.store.getAgent(agent.address);
  const existed = await ctx.host.stop(agent.session);
  await recordEnd(ctx, previous, 'stop', opts.requestMessageId ?? null);
  await record.stopped(ctx.store, agent.address, {
    keepDown: true,
    requestMessageId: opts.requestMessageId,
  });
  return existed;
}

/** What `gt session restart` says of a restart, as JSON. */
export function restartedJson(started: StartedAgent & { replaced: boolean }) {
  return {
    identity: started.identity,
    session: started.session,
    pid: started.info.panePid,
    replaced: started.replaced,
    mode: started.mode,
  };
}

/** What `gt session restart` says of a restart: "restarted gt-… (pid …; fresh conversation)". */
export function restartedLine(started: StartedAgent & { replaced: boolean }): string {
  const verb = started.replaced ? 'restarted' : 'started';
  const mode = started.mode === 'resumed' ? 'conversation resumed' : 'fresh conversation';
  return `${verb} ${started.session} (pid ${started.info.panePid ?? '?'}; ${mode})`;
}

/**
 * Replaces the agent's session with a fresh one (a fresh token), or starts one if none runs:
 * its processes ended, then the old session's end and the new one's start in one tmux call.
 */
export function restartAgent(
  ctx: AgentContext,
  agent: ResolvedAgent,
  opts: StartAgentOptions = {},
): Promise<StartedAgent & { replaced: boolean }> {
  return withAgentLock(ctx.root, agent, async () => {
    const { started, replaced } = await launch(ctx, agent, opts, true);
    return { ...started, replaced };
  });
}
