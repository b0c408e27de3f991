// `gt mail send|inbox|read|delete|check`.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { InputError, NotFoundError } from '../errors.js';
import {
  checkBody,
  checkSubject,
  checkType,
  messageToJson,
  parsePriority,
  resolveSender,
} from '../mail/mail.js';
import { isVerifiedSender } from '../agents/token.js';
import type { Message } from '../store/store.js';
import { isMessageId } from '../store/ids.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, parseIdentity } from '../town/identity.js';
import { requireKnownIdentity } from '../town/layout.js';
import { poke } from '../util/socket.js';
import { oneLine, printable } from '../util/text.js';
import type { GlobalOptions } from './context.js';
import { openTown, printJson, println, withTown } from './context.js';

interface SendOptions {
  subject: string;
  message?: string;
  priority: string;
  type: string;
  from?: string;
  thread?: string;
  replyTo?: string;
  json?: boolean;
}

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function registerMail(program: GtCommand): void {
  const mail = program.command('mail').description('mail between agents');
  mail
    .command('send')
    .description('send mail to an address (mayor, deacon/, <rig>/witness, <rig>/crew/<name>, …)')
    .argument('<address>', 'recipient address')
    .requiredOption('-s, --subject <subject>', 'subject line (at most 1 KiB)')
    .option('-m, --message <body>', 'body text (at most 64 KiB)', '')
    .option('--priority <priority>', 'low, normal, high or urgent', 'normal')
    .option('--type <type>', 'message type', 'message')
    .option('--from <address>', 'sender (default: GT_ROLE, else mayor)')
    .option('--thread <id>', 'thread id')
    .option('--reply-to <id>', 'id of the message this answers')
    .option('--json', 'print the stored message as JSON')
    .action((address: string, opts: SendOptions, cmd: Command) =>
      send(address, opts, globals(cmd)),
    );

  mail
    .command('inbox')
    .description('list mail for an address (default: GT_ROLE, else mayor), newest first')
    .argument('[address]', 'whose inbox')
    .option('--identity <address>', 'whose inbox (same as the argument)')
    .option('--unread', 'only unread mail')
    .option('-n, --limit <n>', 'at most this many messages')
    .option('--json', 'print an array of messages as JSON')
    .action(
      async (
        address: string | undefined,
        opts: { identity?: string; unread?: boolean; limit?: string; json?: boolean },
        cmd: Command,
      ) => {
        const owner = inboxOwner(address ?? opts.identity);
        const limit = opts.limit === undefined ? undefined : parseLimit(opts.limit);
        await withTown(globals(cmd), async (town) => {
          const store = await town.store();
          const messages = await store.listInbox(formatAddress(owner), {
            unreadOnly: opts.unread === true,
            limit,
          });
          if (opts.json) printJson(messages.map(messageToJson));
          else printInbox(formatAddress(owner), messages);
        });
      },
    );

  mail
    .command('read')
    .description('show one message and mark it read')
    .argument('<id>', 'message id')
    .option('--peek', 'do not mark it read')
    .option('--json', 'print the message as JSON')
    .action(async (id: string, opts: { peek?: boolean; json?: boolean }, cmd: Command) => {
      checkId(id);
      await withTown(globals(cmd), async (town) => {
        const store = await town.store();
        const msg = await store.getMessage(id);
        if (msg === undefined) throw noMessage(id);
        if (!opts.peek && !msg.read) await store.markRead(id, true);
        if (opts.json) printJson(messageToJson(msg));
        else printMessage(msg);
      });
    });

  mail
    .command('delete')
    .description('delete a message')
    .argument('<id>', 'message id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      checkId(id);
      await withTown(globals(cmd), async (town) => {
        const store = await town.store();
        if (!(await store.deleteMessage(id))) throw noMessage(id);
        println(`deleted ${id}`);
      });
    });

  mail
    .command('check')
    .description('exit 0 if the address has unread mail, 1 if none')
    .argument('[address]', 'whose inbox (default: GT_ROLE, else mayor)')
    .option('--identity <address>', 'whose inbox')
    .option('--json', 'print {"address", "unread"} as JSON')
    .action(
      async (
        address: string | undefined,
        opts: { identity?: string; json?: boolean },
        cmd: Command,
      ) => {
        const owner = formatAddress(inboxOwner(address ?? opts.identity));
        return withTown(globals(cmd), async (town) => {
          const unread = await (await town.store()).countUnread(owner);
          if (opts.json) printJson({ address: owner, unread });
          else println(unread > 0 ? `${owner}: ${unread} unread` : `${owner}: no unread mail`);
          return unread > 0 ? 0 : 1;
        });
      },
    );
}

async function send(address: string, opts: SendOptions, global: GlobalOptions): Promise<void> {
  // Check everything the user gave before touching the town, so bad input writes nothing.
  const to = parseIdentity(address);
  const from = resolveSender(opts.from, process.env);
  const subject = checkSubject(opts.subject);
  const body = checkBody(opts.message ?? '');
  const priority = parsePriority(opts.priority);
  const type = checkType(opts.type);
  const town = openTown(global);
  try {
    requireKnownIdentity(town.root, to);
    const store = await town.store();
    const msg = await store.sendMessage({
      from: formatAddress(from),
      to: formatAddress(to),
      subject,
      body,
      priority,
      type,
      threadId: opts.thread,
      replyTo: opts.replyTo,
      senderVerified: await isVerifiedSender(store, from, process.env.GT_AGENT_TOKEN),
    });
    if (to.role === 'deacon') await poke(town.paths.daemonSocket);
    if (opts.json) printJson(messageToJson(msg));
    else println(`sent ${msg.id} to ${msg.to}`);
  } finally {
    await town.close();
  }
}

function inboxOwner(address: string | undefined): Identity {
  const text = address ?? (process.env.GT_ROLE ? process.env.GT_ROLE : 'mayor');
  return parseIdentity(text);
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(
      'GT_BAD_LIMIT',
      `--limit must be a positive whole number, got ${JSON.stringify(text)}`,
    );
  return n;
}

function checkId(id: string): void {
  if (!isMessageId(id)) {
    throw new InputError(
      'GT_BAD_MESSAGE_ID',
      `${JSON.stringify(id.slice(0, 60))} is not a message id`,
      {
        hint: 'ids look like gm-0a1b2c3d4e5f; gt mail inbox lists them',
      },
    );
  }
}

function noMessage(id: string): NotFoundError {
  return new NotFoundError('GT_MESSAGE_NOT_FOUND', `no message ${id}`);
}

function printInbox(owner: string, messages: Message[]): void {
  if (messages.length === 0) {
    println(`${owner}: no mail`);
    return;
  }
  for (const m of messages) {
    const flag = m.read ? ' ' : '*';
    const when = new Date(m.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    println(
      `${flag} ${m.id}  ${when}  ${m.priority.padEnd(6)}  ${oneLine(m.from).padEnd(20)}  ${oneLine(m.subject)}`,
    );
  }
}

function printMessage(m: Message): void {
  println(`id:       ${m.id}`);
  println(`from:     ${oneLine(m.from)}${m.senderVerified ? ' (verified)' : ''}`);
  println(`to:       ${oneLine(m.to)}`);
  println(`date:     ${new Date(m.createdAt).toISOString()}`);
  println(`priority: ${m.priority}   type: ${oneLine(m.type)}`);
  println(`subject:  ${oneLine(m.subject)}`);
  println('');
  println(printable(m.body));
}
