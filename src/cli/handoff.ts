// `gt handoff`: flags in, lines or JSON out; the protocol itself is lifecycle/handoff.ts.
import { relative } from 'node:path';
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { InputError } from '../errors.js';
import { requestHandoff, waitForOutcome } from '../lifecycle/handoff.js';
import type { LifecycleAction } from '../state/agent-state.js';
import type { Identity } from '../town/identity.js';
import { identityFromWorkDir, parseIdentity } from '../town/identity.js';
import { parseDuration } from '../util/duration.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, withTown } from './context.js';

interface HandoffOptions {
  cycle?: boolean;
  restart?: boolean;
  shutdown?: boolean;
  message?: string;
  identity?: string;
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
    .option('-m, --message <note>', 'a note for whoever picks up the work')
    .option('--identity <address>', 'the agent (default: GT_ROLE, else the working directory)')
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

function whoAmI(town: TownContext, flag: string | undefined): Identity {
  if (flag !== undefined) return parseIdentity(flag);
  if (town.env.GT_ROLE) return parseIdentity(town.env.GT_ROLE);
  const id = identityFromWorkDir(relative(town.root, process.cwd()));
  if (id === undefined) {
    throw new InputError('GT_NO_IDENTITY', 'cannot tell which agent this is', {
      hint: 'pass --identity <address>, set GT_ROLE, or run inside the agent’s work dir',
    });
  }
  return id;
}

async function handoff(town: TownContext, opts: HandoffOptions): Promise<number> {
  const action = chosenAction(opts);
  const timeoutMs = opts.wait ? parseTimeout(opts.timeout) : 0;
  const id = whoAmI(town, opts.identity);
  const store = await town.store();
  const deps = { root: town.root, settings: town.settings, store, token: town.env.GT_AGENT_TOKEN };
  const request = await requestHandoff(deps, id, action, opts.message);
  if (!opts.wait) {
    if (opts.json) printJson(request);
    else
      println(
        `requested ${action} of ${request.identity} (request ${request.request_id}, message ${request.message_id})${request.daemon_poked ? '' : '; no daemon is running to act on it yet'}`,
      );
    return 0;
  }
  const settled = await waitForOutcome(store, request, timeoutMs);
  const error = settled.status === 'dead' ? settled.reason : null;
  if (opts.json) printJson({ ...settled, error });
  else
    println(
      `${action} of ${request.identity}: ${settled.outcome}${settled.reason ? ` (${settled.reason})` : ''}`,
    );
  return settled.outcome === 'done' ? 0 : 1;
}

function parseTimeout(text: string): number {
  const value = parseDuration(text);
  if (value === undefined)
    throw new InputError(
      'GT_BAD_DURATION',
      `--timeout ${JSON.stringify(text)} is not a duration like 30s or 2m`,
    );
  return value;
}
