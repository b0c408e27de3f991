// `gt handoff`: flags in, lines or JSON out; the protocol itself is lifecycle/handoff.ts.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { InputError } from '../errors.js';
import type { HandoffRequest } from '../lifecycle/handoff.js';
import { requestedLine, requestHandoff, waitForOutcome } from '../lifecycle/handoff.js';
import type { LifecycleAction } from '../protocol/request.js';
import type { DaemonStart } from './daemon-process.js';
import { ensureDaemonFor } from './daemon-process.js';
import type { GlobalOptions, TownContext } from './context.js';
import { parseTimeout } from './process-life.js';
import { printJson, println, withTown } from './context.js';

interface HandoffOptions {
  cycle?: boolean;
  restart?: boolean;
  shutdown?: boolean;
  subject?: string;
  message?: string;
  identity?: string;
  /** false with --no-daemon */
  daemon: boolean;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

export function registerHandoff(program: GtCommand): void {
  program
    .command('handoff')
    .description('ask the daemon to cycle (default), restart or shut down this agent’s session')
    .option('--cycle', 'replace the session with a fresh one (default)')
    .option('--restart', 'restart the session')
    .option('--shutdown', 'end the session and keep it down')
    .option('-s, --subject <subject>', 'subject of the note to your successor (🤝 HANDOFF: …)')
    .option('-m, --message <note>', 'the note for whoever picks up the work (mailed to yourself)')
    .option(
      '--identity <address>',
      'the agent (default: GT_ROLE, else the working directory, else mayor)',
    )
    .option('--no-daemon', 'only queue the request: do not start a daemon when none runs')
    .option('--wait', 'block until the daemon has carried the request out (or refused it)')
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--json', 'print the request (and with --wait its outcome) as JSON')
    .action((opts: HandoffOptions, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => handoff(town, opts)),
    );
}

function chosenAction(opts: HandoffOptions): LifecycleAction {
  const chosen = (['cycle', 'restart', 'shutdown'] as const).filter((a) => opts[a] === true);
  if (chosen.length > 1)
    throw new InputError(
      'GT_BAD_USAGE',
      `choose one of --cycle, --restart, --shutdown (got ${chosen.map((a) => `--${a}`).join(', ')})`,
    );
  return chosen[0] ?? 'cycle';
}

async function handoff(town: TownContext, opts: HandoffOptions): Promise<number> {
  const action = chosenAction(opts);
  const timeoutMs = opts.wait ? parseTimeout(opts.timeout) : 0;
  const id = town.self(opts.identity);
  const store = await town.store();
  const deps = { root: town.root, settings: town.settings, store, token: town.env.GT_AGENT_TOKEN };
  const text = { subject: opts.subject, note: opts.message };
  const request = await requestHandoff(deps, id, action, text);
  // A request nobody will act on is a hand-off to no one: start the daemon (as Gas Town
  // needs none), unless told not to.
  const started =
    !request.daemon_poked && opts.daemon
      ? await ensureDaemonFor(town, `request ${request.request_id} is queued`)
      : undefined;
  const daemon = started && !started.already_running ? { daemon_started: started.pid } : {};
  if (!opts.wait) {
    if (opts.json) printJson({ ...request, ...daemon });
    else println(requestLine(request, started));
    return 0;
  }
  if (!opts.json && started !== undefined && !started.already_running)
    println(`no daemon was running: started one (pid ${started.pid})`);
  const settled = await waitForOutcome(store, request, timeoutMs);
  const error = settled.status === 'dead' ? settled.reason : null;
  if (opts.json) printJson({ ...settled, ...daemon, error });
  else
    println(
      `${action} of ${request.identity}: ${settled.outcome}${settled.reason ? ` (${settled.reason})` : ''}`,
    );
  return settled.outcome === 'done' ? 0 : 1;
}

function requestLine(request: HandoffRequest, started: DaemonStart | undefined): string {
  const what = requestedLine(request);
  if (request.daemon_poked || started?.already_running) return what;
  if (started !== undefined)
    return `${what}; no daemon was running: started one (pid ${started.pid})`;
  return `${what}; no daemon is running to act on it yet (gt daemon start)`;
}
