// `gt agent report <event>`: an agent's hooks tell the daemon what it does. Token-verified, and
// it never fails the hook (a failing prompt hook could block the agent): problems go to stderr.
import type { Command } from 'commander';
import { isVerifiedSender } from '../agents/token.js';
import type { HookEvent } from '../agents/report.js';
import { HOOK_EVENTS, reportHook } from '../agents/report.js';
import { errorMessage, InputError } from '../errors.js';
import { formatAddress } from '../town/identity.js';
import type { GlobalOptions } from './context.js';
import { withTown } from './context.js';
import { poke } from '../util/socket.js';
import { HOOK_FORMAT_OPTION, readHookInput } from './hook-input.js';
import type { GtCommand } from './program.js';

export function registerAgentReport(agent: GtCommand): void {
  agent
    .command('report')
    .description(
      'for an agent’s hooks: report a prompt submitted (prompt), a turn ended (stop) or a notification (the hook’s JSON on stdin)',
    )
    .argument('<event>', HOOK_EVENTS.join(', '))
    // Accepted beside the other hook commands; a report prints nothing for the model either way.
    .option(...HOOK_FORMAT_OPTION)
    .action(async (event: string, _flags: unknown, cmd: Command) => {
      try {
        if (!(HOOK_EVENTS as readonly string[]).includes(event))
          throw new InputError('GT_BAD_USAGE', `unknown event ${JSON.stringify(event)}`);
        const payload = readHookInput();
        await withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
          const id = town.self();
          const store = await town.store();
          if (!(await isVerifiedSender(store, id, town.env.GT_AGENT_TOKEN)))
            throw new InputError('GT_UNVERIFIED_SENDER', `not ${formatAddress(id)}'s own session`);
          const events = await reportHook(
            store,
            formatAddress(id),
            event as HookEvent,
            payload,
            Date.now(),
          );
          // A change is news to the daemon: a turn ended may free the agent for a queued
          // prompt, a session that began wants its screen read now, not at the next slow look.
          if (events.length > 0) await poke(town.paths.daemonSocket);
        });
      } catch (err) {
        process.stderr.write(`gt: agent report ${event}: ${errorMessage(err)}\n`);
      }
      return 0;
    });
}
