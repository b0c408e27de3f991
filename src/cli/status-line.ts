// `gt status-line`: what an agent's tmux status line shows of its mail. tmux runs it every
// few seconds for every session, so it is one indexed query and no tmux call.
import type { Command } from 'commander';
import { mailboxOf } from './mail-read.js';
import type { GlobalOptions } from './context.js';
import { printJson, println, withTown } from './context.js';
import type { GtCommand } from './program.js';

export function registerStatusLine(program: GtCommand): void {
  program
    .command('status-line')
    .description('the mail count an agent’s tmux status line shows ("📬 3"; nothing when none)')
    .option('--identity <address>', 'whose mail (default: who you are)')
    .option('--json', 'print {"address", "unread"} as JSON')
    .action((flags: { identity?: string; json?: boolean }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
        const address = mailboxOf(town, flags.identity);
        const unread = await (await town.store()).countUnread(address);
        if (flags.json) printJson({ address, unread });
        else if (unread > 0) println(`📬 ${unread}`);
      }),
    );
}
