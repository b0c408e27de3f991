// `gt session start|stop|restart|list` and `gt attach`: agent sessions on the town's tmux socket.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { GtError, InputError } from '../errors.js';
import type { Continuity } from '../agents/continuity.js';
import type { AgentContext } from '../agents/context.js';
import { agentContext } from '../agents/context.js';
import type { ResolvedAgent } from '../agents/resolve.js';
import { resolveAgent } from '../agents/resolve.js';
import type { AgentStatus } from '../agents/status.js';
import {
  restartAgent,
  restartedJson,
  restartedLine,
  startAgent,
  stopAgent,
} from '../agents/agent.js';
import { listAgentStatuses } from '../agents/status.js';
import type { TmuxHost } from '../sessions/tmux.js';
import { SessionNotFoundError, TmuxMissingError } from '../sessions/tmux.js';
import { townHost } from '../agents/host.js';
import { parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, thisGt, withTown } from './context.js';
import { poke } from '../util/socket.js';
import type { Readiness } from '../agents/readiness.js';
import { waitUntilReady } from '../agents/readiness.js';
import { ensureDaemonFor } from './daemon-process.js';
import { parseTimeout } from './process-life.js';
import { registerSessionHistory } from './session-history.js';

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

function hostFor(town: TownContext): TmuxHost {
  return townHost(town.root, town.settings);
}

async function contextOf(town: TownContext): Promise<AgentContext> {
  return agentContext({
    root: town.root,
    settings: town.settings,
    store: await town.store(),
    gt: thisGt(),
  });
}

/** Parses the address, then checks its rig and crew member exist, before anything runs. */
function knownAgent(town: TownContext, text: string): ResolvedAgent {
  const id = parseIdentity(text);
  requireKnownIdentity(town.root, id);
  return resolveAgent(town, id);
}

export function statusToJson(s: AgentStatus): Record<string, unknown> {
  return {
    identity: s.identity,
    session: s.session,
    state: s.state,
    pid: s.pid,
    uptime_seconds: s.uptimeSeconds,
  };
}

interface StartFlags {
  json?: boolean;
  wait?: boolean;
  timeout: string;
  /** false with --no-daemon */
  daemon: boolean;
  fresh?: boolean;
  /** true, or the conversation id given */
  resume?: boolean | string;
}

/** How a start by a person goes on from the agent's last session: --fresh, --resume [id], or by why. */
function continuityOf(flags: StartFlags, restart: boolean): Continuity | undefined {
  if (flags.fresh === true && flags.resume !== undefined)
    throw new InputError('GT_BAD_USAGE', '--fresh and --resume contradict each other');
  const detail = restart ? 'gt session restart' : 'gt session start';
  if (flags.resume !== undefined)
    return {
      ended: 'restart',
      detail,
      choice: 'resume',
      ...(typeof flags.resume === 'string' ? { conversationId: flags.resume } : {}),
    };
  if (flags.fresh === true) return { ended: 'restart', detail, choice: 'fresh' };
  return restart ? { ended: 'restart', detail } : undefined;
}

/**
 * A started agent has dialogs to pass and a prompt to reach: the daemon looks at once, and one
 * is started when none runs for a runtime that shows dialogs (nothing else would answer them).
 * With --wait, resolves once the agent is ready (or blocked, or failed: exit 1 with why).
 */
async function afterStart(
  town: TownContext,
  agent: ResolvedAgent,
  flags: StartFlags,
): Promise<Readiness | undefined> {
  const timeoutMs = flags.wait === true ? parseTimeout(flags.timeout) : 0;
  const poked = await poke(town.paths.daemonSocket);
  if (!poked && flags.daemon && agent.runtime.capabilities.screen)
    await ensureDaemonFor(town, `${agent.address} started`);
  if (flags.wait !== true) return undefined;
  const readiness = await waitUntilReady(await town.store(), agent, timeoutMs);
  if (!readiness.ready)
    throw new GtError(
      'GT_AGENT_NOT_READY',
      `${agent.address} is ${readiness.activity}, not ready: ${readiness.why}`,
      { hint: `gt why ${agent.address}; gt attach ${agent.address} to see it` },
    );
  return readiness;
}

function startOptions(cmd: GtCommand): GtCommand {
  return cmd
    .option(
      '--wait',
      'return once the agent is ready (exit 1 if it is blocked, fails or times out)',
    )
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--no-daemon', 'do not start a daemon when none runs (its dialogs then wait)')
    .option('--fresh', 'start a new conversation')
    .option(
      '--resume [id]',
      'resume the agent’s last conversation, or the one with this id (gt session history lists them)',
    );
}

export function registerSession(program: GtCommand): void {
  const session = program.command('session').description('agent sessions in tmux (one per agent)');
  startOptions(
    session
      .command('start')
      .description(
        'start an agent’s session (its first process is the agent command); a daemon is started to pass its dialogs if none runs',
      )
      .argument(
        '<identity>',
        'mayor, deacon, <rig>/witness, <rig>/refinery, <rig>/crew/<name> (or a dash form)',
      )
      .option('--json', 'print the started session as JSON'),
  ).action((text: string, flags: StartFlags, cmd: Command) =>
    withTown(globals(cmd), async (town) => {
      const agent = knownAgent(town, text);
      const continuity = continuityOf(flags, false);
      const started = await startAgent(await contextOf(town), agent, {
        ...(continuity === undefined ? {} : { continuity }),
      });
      const ready = await afterStart(town, agent, flags);
      const json = {
        identity: started.identity,
        session: started.session,
        pid: started.info.panePid,
        mode: started.mode,
        ...(ready === undefined ? {} : { activity: ready.activity }),
      };
      if (flags.json) printJson(json);
      else
        println(
          `started ${started.session} for ${started.identity} (pid ${started.info.panePid ?? '?'}; ${started.mode})${ready === undefined ? '' : '; ready'}`,
        );
    }),
  );

  session
    .command('stop')
    .description('stop an agent’s session and every process in it')
    .argument('<identity>', 'agent address')
    .option('--json', 'print {"identity", "session", "stopped"} as JSON')
    .action((text: string, opts: { json?: boolean }, cmd: Command) =>
      withTown(globals(cmd), async (town) => {
        const agent = knownAgent(town, text);
        const stopped = await stopAgent(await contextOf(town), agent);
        const json = { identity: agent.address, session: agent.session, stopped };
        if (opts.json) printJson(json);
        else println(stopped ? `stopped ${json.session}` : `${json.session} was not running`);
      }),
    );

  startOptions(
    session
      .command('restart')
      .description(
        'stop an agent’s session (if running) and start it again, resuming its conversation where the runtime can (--fresh for a new one)',
      )
      .argument('<identity>', 'agent address')
      .option('--json', 'print the new session as JSON'),
  ).action((text: string, flags: StartFlags, cmd: Command) =>
    withTown(globals(cmd), async (town) => {
      const agent = knownAgent(town, text);
      const continuity = continuityOf(flags, true);
      const started = await restartAgent(await contextOf(town), agent, {
        ...(continuity === undefined ? {} : { continuity }),
      });
      const ready = await afterStart(town, agent, flags);
      const activity = ready === undefined ? {} : { activity: ready.activity };
      if (flags.json) printJson({ ...restartedJson(started), ...activity });
      else println(`${restartedLine(started)}${ready === undefined ? '' : '; ready'}`);
    }),
  );

  registerSessionHistory(session);

  session
    .command('list')
    .description(
      'list agent sessions: alive, zombie (agent gone, pane kept), dead (gone) or unknown',
    )
    .option('--json', 'print an array of {identity, session, state, pid, uptime_seconds}')
    .action((opts: { json?: boolean }, cmd: Command) =>
      withTown(globals(cmd), async (town) => {
        const statuses = await listAgentStatuses(await contextOf(town));
        if (opts.json) printJson(statuses.map(statusToJson));
        else printStatuses(statuses);
      }),
    );

  program
    .command('attach')
    .description('attach this terminal to an agent’s session (detach with C-b d)')
    .argument('<identity>', 'agent address')
    .action((text: string, _opts: unknown, cmd: Command) =>
      withTown(globals(cmd), (town) => attach(town, text)),
    );
}

function printStatuses(statuses: AgentStatus[]): void {
  if (statuses.length === 0) {
    println('no agent sessions');
    return;
  }
  for (const s of statuses) {
    const uptime = s.uptimeSeconds === null ? '-' : `${s.uptimeSeconds}s`;
    println(
      `${s.identity.padEnd(28)} ${s.session.padEnd(32)} ${s.state.padEnd(7)} ${String(s.pid ?? '-').padEnd(8)} ${uptime}`,
    );
  }
}

async function attach(town: TownContext, text: string): Promise<number> {
  const name = knownAgent(town, text).session;
  const host = hostFor(town);
  if ((await host.find(name)) === undefined) throw new SessionNotFoundError(name, host.socket);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new GtError(
      'GT_NOT_A_TERMINAL',
      'gt attach needs a terminal, and stdin or stdout is not one',
      {
        hint: `run it from an interactive terminal; gt session list shows ${name}`,
      },
    );
  }
  return new Promise<number>((resolve, reject) => {
    // spawn, not exec: gt stays the parent and returns tmux's exit code when the user detaches.
    const { file, args, env } = host.attachCommand(name);
    const child = spawn(file, args, { stdio: 'inherit', env });
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new TmuxMissingError() : err),
    );
    child.on('close', (code) => resolve(code ?? 1));
  });
}
