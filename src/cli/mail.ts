// `gt mail …`: the command tree. Sending is mail-send.ts, reading and filing mail-read.ts.
import type { Command } from 'commander';
import { errorMessage } from '../errors.js';
import type { GlobalOptions } from './context.js';
import { withTown } from './context.js';
import type { CheckFlags, InboxFlags } from './mail-read.js';
import {
  changeMessages,
  check,
  findMessage,
  mailboxOf,
  peek,
  printMessage,
  showInbox,
  showThread,
} from './mail-read.js';
import { printJson } from './context.js';
import type { SendFlags } from './mail-send.js';
import { sendMail } from './mail-send.js';
import { messageToJson } from '../mail/mail.js';
import type { GtCommand } from './program.js';
import { HOOK_FORMAT_OPTION } from './hook-input.js';

const ADDRESSES =
  'mayor, deacon, <rig>/witness, <rig>/refinery, <rig>/crew/<name> (or <rig>/<name>), <rig>/ (the whole rig), overseer';

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

const collect = (value: string, list: string[] = []): string[] => [...list, value];

interface OwnerFlags {
  identity?: string;
  address?: string;
}

export function registerMail(program: GtCommand): void {
  const mail = program
    .command('mail')
    .description('mail between agents (and the overseer, the human)')
    .addHelpText(
      'after',
      `\nAddresses: ${ADDRESSES}.\nWithout one, mail is for who you are: --identity, else GT_ROLE, else the working directory, else mayor.`,
    );
  registerSend(mail);
  registerReading(mail);
  registerFiling(mail);
}

function sendOptions(cmd: GtCommand): GtCommand {
  return cmd
    .option('-m, --message <body>', 'body text (at most 64 KiB)')
    .option('--body <body>', 'the same as -m')
    .option('--stdin', 'read the body from standard input')
    .option('--priority <p>', 'urgent, high, normal, low, or 0 (urgent) to 4 (backlog)', 'normal')
    .option('--urgent', 'the same as --priority urgent')
    .option('--type <type>', 'message type (default notification; reply for a reply)')
    .option('--from <address>', 'sender (default: who you are)')
    .option('-n, --notify', 'also wake the recipient: its status line shows the mail at once')
    .option('--json', 'print the stored message (an array for several recipients) as JSON');
}

function registerSend(mail: GtCommand): void {
  sendOptions(
    mail
      .command('send')
      .description('send mail to one or more addresses')
      .argument('[address]', 'recipient (or use --to)')
      .option('-s, --subject <subject>', 'subject line (at most 1 KiB)')
      .option('--to <address>', 'a recipient; repeat for several', collect)
      .option('--cc <address>', 'a recipient of a copy; repeat for several', collect)
      .option('--self', 'send it to yourself (a note for your successor)')
      .option('--human', 'send it to the overseer, the human')
      .option('--thread <id>', 'put it in this thread')
      .option('--reply-to <id>', 'answer this message: its thread, type reply'),
  ).action((address: string | undefined, flags: SendFlags, cmd: Command) =>
    withTown(globals(cmd), (town) => sendMail(town, address, flags)),
  );
  sendOptions(
    mail
      .command('reply')
      .description('answer a message: to its sender, in its thread, subject "Re: …"')
      .argument('<id>', 'the message to answer')
      .option('-s, --subject <subject>', 'subject (default: Re: and the original’s)'),
  ).action((id: string, flags: SendFlags, cmd: Command) =>
    withTown(globals(cmd), async (town) => {
      const parent = await findMessage(await town.store(), '', id);
      return sendMail(town, parent.from, { ...flags, replyTo: parent.id });
    }),
  );
}

function ownerOptions(cmd: GtCommand): GtCommand {
  return cmd
    .option('--identity <address>', 'whose mail (default: who you are)')
    .option('--address <address>', 'the same as --identity');
}

function registerReading(mail: GtCommand): void {
  ownerOptions(
    mail
      .command('inbox')
      .description('list open mail, newest first (settled requests and archived mail: --all)')
      .argument('[address]', 'whose inbox'),
  )
    .option('-u, --unread', 'only unread mail')
    .option('-a, --all', 'also closed mail: handled requests, archived messages')
    .option('-n, --limit <n>', 'at most this many messages')
    .option('--json', 'print an array of messages as JSON')
    .action((address: string | undefined, flags: InboxFlags & OwnerFlags, cmd: Command) =>
      withTown(globals(cmd), (town) =>
        showInbox(town, mailboxOf(town, address ?? flags.identity ?? flags.address), flags),
      ),
    );
  for (const name of ['read', 'show']) {
    ownerOptions(
      mail
        .command(name)
        .description('show one message (it stays unread: gt mail mark-read when done)')
        .argument('<id>', 'message id, or its number in the inbox listing'),
    )
      .option('--peek', 'accepted for older scripts; reading never marks read')
      .option('--json', 'print the message as JSON')
      .action((ref: string, flags: OwnerFlags & { json?: boolean }, cmd: Command) =>
        withTown(globals(cmd), async (town) => {
          const owner = mailboxOf(town, flags.identity ?? flags.address);
          const msg = await findMessage(await town.store(), owner, ref);
          if (flags.json) printJson(messageToJson(msg));
          else printMessage(msg);
        }),
      );
  }
  ownerOptions(
    mail
      .command('peek')
      .description('the newest unread message, short; exit 1 when there is none')
      .argument('[address]', 'whose inbox'),
  )
    .option('--json', 'print it as JSON (null when there is none)')
    .action((address: string | undefined, flags: OwnerFlags & { json?: boolean }, cmd: Command) =>
      withTown(globals(cmd), (town) =>
        peek(
          town,
          mailboxOf(town, address ?? flags.identity ?? flags.address),
          flags.json === true,
        ),
      ),
    );
  mail
    .command('thread')
    .description('every message of a thread, oldest first')
    .argument('<id>', 'a thread id (thread-…) or the id of a message in it')
    .option('--json', 'print an array of messages as JSON')
    .action((ref: string, flags: { json?: boolean }, cmd: Command) =>
      withTown(globals(cmd), (town) => showThread(town, ref, flags.json === true)),
    );
  registerCheck(mail);
}

function registerCheck(mail: GtCommand): void {
  ownerOptions(
    mail
      .command('check')
      .description('exit 0 if there is unread mail, 1 if none (--inject: always 0)')
      .argument('[address]', 'whose inbox'),
  )
    .option('--json', 'print {"address", "unread", "has_new"} as JSON')
    .option('--inject', 'for agent hooks: print unread mail as one block of context; always exit 0')
    .option(...HOOK_FORMAT_OPTION)
    .action(async (address: string | undefined, flags: CheckFlags & OwnerFlags, cmd: Command) => {
      const run = withTown(globals(cmd), (town) =>
        check(town, mailboxOf(town, address ?? flags.identity ?? flags.address), flags),
      );
      if (!flags.inject) return run;
      // A failing hook must not block the agent's prompt: say why on stderr and go on.
      try {
        return await run;
      } catch (err) {
        process.stderr.write(`gt: mail check --inject: ${errorMessage(err)}\n`);
        return 0;
      }
    });
}

function registerFiling(mail: GtCommand): void {
  const change = [
    ['mark-read', 'mark messages read'],
    ['mark-unread', 'mark messages unread'],
    [
      'archive',
      'close messages without deleting them: out of the inbox (gt mail inbox --all shows them)',
    ],
    ['delete', 'delete messages'],
  ] as const;
  for (const [name, about] of change) {
    mail
      .command(name)
      .description(about)
      .argument('<ids...>', 'message ids')
      .action((ids: string[], _flags: unknown, cmd: Command) =>
        withTown(globals(cmd), (town) => changeMessages(town, name, ids)),
      );
  }
}
