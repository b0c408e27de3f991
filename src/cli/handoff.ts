// `gt handoff`: the agent side of the lifecycle protocol. Marks the agent's state file,
// mails the deacon, pokes the daemon, and with --wait follows the request to its end.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { GtError, InputError } from '../errors.js';
import { pokeDaemon } from '../util/socket.js';
import { isVerifiedSender } from '../agents/token.js';
import type { LifecycleAction } from '../state/agent-state.js';
import { setRequesting } from '../state/agent-state.js';
import type { Message, Store } from '../store/store.js';
import { newRequestId } from '../store/ids.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, identityFromWorkDir, parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
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

export function registerHandoff(program: Command): void {
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

async function handoff(town: TownContext, opts: HandoffOptions): Promise<void> {
  const action = chosenAction(opts);
  const timeoutMs = opts.wait ? parseTimeout(opts.timeout) : 0;
  const id = whoAmI(town, opts.identity);
  requireKnownIdentity(town.root, id);
  const address = formatAddress(id);
  const store = await town.store();
  const verified = await isVerifiedSender(store, id, town.env.GT_AGENT_TOKEN);
  if (!verified && town.settings.lifecycle.require_verified_sender) {
    throw new GtError(
      'GT_UNVERIFIED_SENDER',
      `this shell cannot speak for ${address}: the daemon only takes lifecycle requests from the agent’s own session`,
      {
        hint: `run it inside the agent’s session, or use gt session restart ${address}`,
      },
    );
  }
  const requestId = newRequestId();
  await setRequesting(town.root, id, action, requestId, new Date());
  const body: Record<string, string> = { action, request_id: requestId };
  if (opts.message !== undefined) body.note = opts.message;
  const msg = await store.sendMessage({
    from: address,
    to: 'deacon',
    subject: `LIFECYCLE: ${address} requesting ${action}`,
    body: JSON.stringify(body),
    priority: 'high',
    type: 'lifecycle',
    senderVerified: verified,
  });
  const poked = await pokeDaemon(town.paths.daemonSocket);
  const request = {
    identity: address,
    action,
    request_id: requestId,
    message_id: msg.id,
    daemon_poked: poked,
  };
  if (!opts.wait) {
    if (opts.json) printJson(request);
    else
      println(
        `requested ${action} of ${address} (request ${requestId}, message ${msg.id})${poked ? '' : '; no daemon is running to act on it yet'}`,
      );
    return;
  }
  const settled = await waitForSettlement(store, msg.id, timeoutMs);
  const outcome = {
    ...request,
    status: settled.status,
    outcome: settled.outcome,
    error: settled.lastError,
  };
  if (opts.json) printJson(outcome);
  else
    println(
      `${action} of ${address}: ${settled.outcome ?? settled.status}${settled.lastError ? ` (${settled.lastError})` : ''}`,
    );
  if (settled.status !== 'done' || !(settled.outcome ?? '').startsWith('done'))
    process.exitCode = 1;
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

async function waitForSettlement(
  store: Store,
  messageId: string,
  timeoutMs: number,
): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const msg = await store.getMessage(messageId);
    if (msg === undefined)
      throw new GtError(
        'GT_REQUEST_LOST',
        `request message ${messageId} was deleted before the daemon settled it`,
      );
    if (msg.status === 'done' || msg.status === 'dead') return msg;
    if (Date.now() > deadline) {
      throw new GtError(
        'GT_WAIT_TIMEOUT',
        `the daemon has not carried out ${messageId} yet (status ${msg.status})`,
        {
          hint: 'is the daemon running? gt daemon status',
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
