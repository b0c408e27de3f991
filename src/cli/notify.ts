// `gt notify test|list`: the town's notification channels, tried and looked into.
import { outboxLine } from '../status/people.js';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { notificationsFor } from '../notify/rules.js';
import type { Notification } from '../store/store.js';
import { poke } from '../util/socket.js';
import { pollUntil } from '../util/wait.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, withTown } from './context.js';
import { ensureDaemonFor } from './daemon-process.js';
import { parseTimeout } from './process-life.js';
import type { GtCommand } from './program.js';

function line(n: Notification): string {
  const when = new Date(n.createdAt).toISOString().replace('T', ' ').slice(0, 19);
  const error = n.lastError === null ? '' : `  (${n.lastError})`;
  return `${n.id}  ${when}  ${n.channel.padEnd(12)} ${n.status.padEnd(9)} ${n.kind.padEnd(12)} ${n.title}${error}`;
}

interface TestFlags {
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

/** Queues a test notification on one channel (or all) through the outbox, as events do. */
async function test(
  town: TownContext,
  name: string | undefined,
  flags: TestFlags,
): Promise<number> {
  const channels = town.settings.notify.channels;
  if (channels.length === 0)
    throw new InputError('GT_BAD_USAGE', 'no notify.channels in the settings', {
      hint: 'gt config show --explain notify',
    });
  if (name !== undefined && !channels.some((c) => c.name === name))
    throw new InputError('GT_BAD_USAGE', `no channel named ${JSON.stringify(name)}`, {
      hint: `channels: ${channels.map((c) => c.name).join(', ')}`,
    });
  const store = await town.store();
  const event = {
    kind: 'notify.test' as const,
    reason: `sent by gt notify test at ${new Date().toISOString()}`,
  };
  const notify = notificationsFor(
    event,
    {
      ...town.settings.notify,
      channels: name === undefined ? channels : channels.filter((c) => c.name === name),
    },
    name,
  );
  const stored = await store.recordEvent(event, notify);
  if (!(await poke(town.paths.daemonSocket))) await ensureDaemonFor(town, 'a test notification');
  const mine = async () =>
    (await store.listNotifications()).filter((n) => n.createdAt === stored.ts && n.kind === 'test');
  if (flags.wait !== true) {
    if (flags.json) printJson((await mine()).map(outboxLine));
    else println(`queued a test notification on ${notify.map((n) => n.channel).join(', ')}`);
    return 0;
  }
  const settled = await pollUntil(
    async () => {
      const now = await mine();
      return now.every((n) => n.status !== 'pending') ? now : undefined;
    },
    { timeoutMs: parseTimeout(flags.timeout), intervalMs: 100 },
  );
  const rows = settled ?? (await mine());
  if (flags.json) printJson(rows.map(outboxLine));
  else for (const n of rows) println(line(n));
  return rows.every((n) => n.status === 'delivered') ? 0 : 1;
}

export function registerNotify(program: GtCommand): void {
  const notify = program
    .command('notify')
    .description('the notifications people get (notify.channels): try a channel, list the outbox');
  notify
    .command('test')
    .description('send a test notification through the outbox to one channel, or all')
    .argument('[channel]', 'a channel name in notify.channels')
    .option('--wait', 'wait until it is delivered or has failed (exit 1 unless delivered)')
    .option('--timeout <duration>', 'how long --wait waits', '30s')
    .option('--json', 'print the notifications as JSON')
    .action((name: string | undefined, flags: TestFlags, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => test(town, name, flags)),
    );
  notify
    .command('list')
    .description('the outbox, oldest first: pending, delivered and dead notifications')
    .option('--failed', 'only those that failed for good (dead-lettered)')
    .option('-n, --limit <n>', 'the newest this many', '50')
    .option('--json', 'print them as JSON')
    .action((flags: { failed?: boolean; limit: string; json?: boolean }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new InputError(
            'GT_BAD_LIMIT',
            `--limit must be a whole number ≥ 1, got ${flags.limit}`,
          );
        const store = await town.store();
        const rows = await store.listNotifications({
          ...(flags.failed ? { statuses: ['dead' as const] } : {}),
          limit,
        });
        if (flags.json) printJson(rows.map(outboxLine));
        else if (rows.length === 0) println('no notifications');
        else for (const n of rows) println(line(n));
      }),
    );
}
