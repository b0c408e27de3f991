// `gt status` (`gt stat`): the daemon, every agent, the request queue; and `gt events`.
import { eventJson } from '../status/event-json.js';
import type { Command } from 'commander';
import { formatAddress, parseIdentity } from '../town/identity.js';
import type { GtCommand } from './program.js';
import { InputError } from '../errors.js';
import { statusAnswerer, townStatusOf } from '../status/text.js';
import type { TownStatus } from '../status/town.js';
import type { StoredEvent } from '../store/store.js';
import { parseDuration } from '../util/duration.js';
import { oneLine } from '../util/text.js';
import { sleep } from '../util/wait.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, withTown } from './context.js';
import { writeStdout } from './output.js';

export function registerStatus(program: GtCommand): void {
  program
    .command('status')
    .alias('stat')
    .description('the daemon, every agent (alive, dead, parked, requesting) and the request queue')
    .option('--json', 'print the status as JSON')
    .action((opts: { json?: boolean }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
        const say = statusAnswerer(town.root, await town.store());
        writeStdout(await say(town.settings, opts.json === true));
      }),
    );

  program
    .command('events')
    .description('what the daemon decided and did, oldest first')
    .option(
      '--since <when>',
      'only events newer than this: a duration ago (10m, 2h) or an RFC 3339 time',
    )
    .option('-n, --limit <n>', 'at most this many (the newest)', '100')
    .option('--agent <address>', 'only the events of this agent')
    .option('-f, --follow', 'keep printing new events')
    .option('--json', 'print JSON (an array; with --follow one object per line)')
    .action((opts: EventsOptions, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => showEvents(town, opts)),
    );
}

/** The town's status from this process: tmux, the store and the daemon's lock. */
export async function statusOf(town: TownContext): Promise<TownStatus> {
  return townStatusOf(town.root, await town.store(), town.settings);
}

function parseSince(text: string): number {
  const ago = parseDuration(text);
  if (ago !== undefined) return Date.now() - ago;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new InputError(
      'GT_BAD_TIME',
      `--since ${JSON.stringify(text)} is neither a duration (10m) nor a time (2026-01-02T03:04:05Z)`,
    );
  return at;
}

function eventLine(e: StoredEvent): string {
  const parts = [
    new Date(e.ts).toISOString().replace('T', ' ').slice(0, 23),
    e.kind.padEnd(18),
    e.identity ?? '-',
  ];
  if (e.action) parts.push(e.action);
  if (e.outcome) parts.push(e.outcome);
  if (e.reason) parts.push(`(${e.reason})`);
  if (e.durationMs !== null) parts.push(`${e.durationMs} ms`);
  return oneLine(parts.join('  '));
}

interface EventsOptions {
  since?: string;
  limit: string;
  agent?: string;
  follow?: boolean;
  json?: boolean;
}

async function showEvents(town: TownContext, opts: EventsOptions): Promise<void> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new InputError(
      'GT_BAD_LIMIT',
      `--limit must be a positive whole number, got ${JSON.stringify(opts.limit)}`,
    );
  const sinceTs = opts.since === undefined ? 0 : parseSince(opts.since);
  const identity = opts.agent === undefined ? undefined : formatAddress(parseIdentity(opts.agent));
  const store = await town.store();
  const events = await store.listEvents({ sinceTs, identity, limit, newest: true });
  if (opts.json && !opts.follow) printJson(events.map(eventJson));
  else for (const e of events) println(opts.json ? JSON.stringify(eventJson(e)) : eventLine(e));
  if (!opts.follow) return;
  let after = events[events.length - 1]?.seq ?? 0;
  for (;;) {
    await sleep(200);
    for (const e of await store.listEvents({ afterSeq: after, sinceTs, identity })) {
      println(opts.json ? JSON.stringify(eventJson(e)) : eventLine(e));
      after = e.seq;
    }
  }
}
