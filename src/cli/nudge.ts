// `gt nudge <address> <text>`: a prompt for an agent, queued in the store (a daemon restart
// loses nothing) and typed in by the daemon when the agent is ready, then seen submitted.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkPrompt, nudgeJson, queueNudge } from '../agents/nudges/queue.js';
import { GtError, InputError } from '../errors.js';
import type { Nudge, Store } from '../store/store.js';
import { PENDING_NUDGE } from '../store/store.js';
import { formatAddress, parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import { oneLine } from '../util/text.js';
import { pollUntil } from '../util/wait.js';
import type { GlobalOptions, TownContext } from './context.js';
import { parseTimeout } from './process-life.js';
import { printJson, println, withTown } from './context.js';
import { ensureDaemonFor } from './daemon-process.js';
import type { GtCommand } from './program.js';

interface NudgeFlags {
  stdin?: boolean;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  list?: boolean;
  all?: boolean;
  from?: string;
  daemon: boolean;
}

export function registerNudge(program: GtCommand): void {
  program
    .command('nudge')
    .description('queue a prompt for an agent: typed in when it is ready, and seen submitted')
    .argument('[address]', 'the agent')
    .argument('[text...]', 'the prompt (or --stdin)')
    .option('--stdin', 'read the prompt from standard input')
    .option('--wait', 'wait until the prompt is delivered (exit 1 if it fails or times out)')
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--from <address>', 'who it is from (default: who you are)')
    .option('--list', 'show the queue (of the address, if given) instead')
    .option('--all', 'list settled prompts too (delivered, failed), until purged')
    .option('--no-daemon', 'only queue it: do not start a daemon when none runs')
    .option('--json', 'print the nudge (or the queue) as JSON')
    .action((address: string | undefined, words: string[], flags: NudgeFlags, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) =>
        flags.list === true || flags.all === true
          ? list(town, address, flags).then(() => 0)
          : nudge(town, address, words, flags),
      ),
    );
}

function textOf(words: readonly string[], stdin: boolean): string {
  if (stdin && words.length > 0)
    throw new InputError('GT_BAD_USAGE', 'give the prompt once: as arguments or on --stdin');
  const text = stdin ? readFileSync(0, 'utf8').replace(/\n+$/, '') : words.join(' ');
  return checkPrompt(text, 'GT_BAD_USAGE');
}

async function nudge(
  town: TownContext,
  address: string | undefined,
  words: string[],
  flags: NudgeFlags,
): Promise<number> {
  if (address === undefined)
    throw new InputError('GT_BAD_USAGE', 'whom to nudge? gt nudge <address> <text>');
  const to = parseIdentity(address);
  requireKnownIdentity(town.root, to);
  const text = textOf(words, flags.stdin === true);
  const timeoutMs = flags.wait ? parseTimeout(flags.timeout) : 0;
  const from = flags.from === undefined ? town.self() : parseIdentity(flags.from);
  const store = await town.store();
  const { nudge: queued, poked } = await queueNudge(
    { root: town.root, store },
    { to: formatAddress(to), from: formatAddress(from), text },
  );
  if (!poked && flags.daemon) await ensureDaemonFor(town, `nudge ${queued.id} is queued`);
  if (!flags.wait) {
    if (flags.json) printJson(nudgeJson(queued));
    else
      println(
        `queued ${queued.id} for ${queued.to}${poked || flags.daemon ? '' : ' (no daemon runs to deliver it: gt daemon start)'}`,
      );
    return 0;
  }
  const settled = await waitForNudge(store, queued.id, timeoutMs);
  if (flags.json) printJson(nudgeJson(settled));
  else
    println(
      `${settled.status} ${settled.id} to ${settled.to}${settled.error ? ` (${oneLine(settled.error)})` : ''}`,
    );
  return settled.status === 'delivered' ? 0 : 1;
}

async function waitForNudge(store: Store, id: string, timeoutMs: number): Promise<Nudge> {
  let last: Nudge | undefined;
  const done = await pollUntil(
    async () => {
      last = await store.getNudge(id);
      return last !== undefined && !PENDING_NUDGE.includes(last.status) && last;
    },
    { timeoutMs, intervalMs: 50, fastStart: true },
  );
  if (done !== undefined) return done;
  throw new GtError('GT_WAIT_TIMEOUT', `nudge ${id} is still ${last?.status ?? 'queued'}`, {
    hint: 'is the agent ready and the daemon running? gt status',
  });
}

async function list(
  town: TownContext,
  address: string | undefined,
  flags: NudgeFlags,
): Promise<void> {
  const to = address === undefined ? undefined : formatAddress(parseIdentity(address));
  const statuses = flags.all === true ? undefined : PENDING_NUDGE;
  const nudges = await (await town.store()).listNudges({ to, statuses });
  if (flags.json === true) return printJson(nudges.map(nudgeJson));
  if (nudges.length === 0) return println(flags.all === true ? 'no prompts' : 'no prompts waiting');
  for (const n of nudges) {
    const text = oneLine(n.text);
    println(
      `${n.id}  ${n.status.padEnd(9)} ${n.to.padEnd(24)} ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`,
    );
  }
}
