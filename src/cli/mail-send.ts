// `gt mail send` and `gt mail reply`: who it is from, who it goes to (agents, a whole rig,
// the overseer, copies), its thread, and waking whoever should know at once.
import { readFileSync } from 'node:fs';
import { isVerifiedSender } from '../agents/token.js';
import { InputError } from '../errors.js';
import type { Recipient } from '../mail/address.js';
import { expandRecipient, OVERSEER, parseRecipient } from '../mail/address.js';
import {
  checkBody,
  checkSubject,
  checkType,
  DEFAULT_TYPE,
  messageToJson,
  newThreadId,
  parsePriority,
} from '../mail/mail.js';
import { townHost } from '../agents/host.js';
import type { Message, Priority, Store } from '../store/store.js';
import { formatAddress, parseIdentity, sessionName } from '../town/identity.js';
import { poke } from '../util/socket.js';
import type { TownContext } from './context.js';
import { printJson, println } from './context.js';

export interface SendFlags {
  subject?: string;
  message?: string;
  body?: string;
  stdin?: boolean;
  to?: string[];
  cc?: string[];
  self?: boolean;
  human?: boolean;
  priority?: string;
  urgent?: boolean;
  type?: string;
  from?: string;
  thread?: string;
  replyTo?: string;
  notify?: boolean;
  json?: boolean;
}

/** The message text from -m/--body or standard input (never both). */
export function bodyOf(flags: SendFlags): string {
  const given = [flags.message, flags.body].filter((b) => b !== undefined);
  if (given.length + (flags.stdin ? 1 : 0) > 1)
    throw new InputError('GT_BAD_USAGE', 'give the body once: -m, --body or --stdin');
  if (flags.stdin) return checkBody(readFileSync(0, 'utf8').replace(/\n+$/, ''));
  return checkBody(given[0] ?? '');
}

function priorityOf(flags: SendFlags): Priority {
  if (flags.urgent) return 'urgent';
  return parsePriority(flags.priority ?? 'normal');
}

/** Every address the message goes to, in order, each once. */
function recipientsOf(address: string | undefined, flags: SendFlags, self: string): Recipient[] {
  const texts = [
    ...(address === undefined ? [] : [address]),
    ...(flags.to ?? []),
    ...(flags.cc ?? []),
    ...(flags.self ? [self] : []),
    ...(flags.human ? [OVERSEER] : []),
  ];
  if (texts.length === 0)
    throw new InputError('GT_BAD_USAGE', 'no recipient', {
      hint: 'name one: gt mail send <address> -s SUBJECT (or --to, --self, --human)',
    });
  return texts.map(parseRecipient);
}

interface Thread {
  threadId: string;
  replyTo: string | undefined;
  parent: Message | undefined;
}

async function threadOf(store: Store, flags: SendFlags): Promise<Thread> {
  if (flags.replyTo === undefined)
    return { threadId: flags.thread ?? newThreadId(), replyTo: undefined, parent: undefined };
  const parent = await store.getMessage(flags.replyTo);
  if (parent === undefined)
    throw new InputError('GT_MESSAGE_NOT_FOUND', `--reply-to ${flags.replyTo}: no such message`);
  return { threadId: parent.threadId ?? parent.id, replyTo: parent.id, parent };
}

/** Sends one message to each address; prints them; returns 0. */
export async function sendMail(
  town: TownContext,
  address: string | undefined,
  flags: SendFlags,
): Promise<number> {
  // Everything the user gave is checked before the store is touched: bad input writes nothing.
  const from = flags.from === undefined ? town.self() : parseIdentity(flags.from);
  const recipients = recipientsOf(address, flags, formatAddress(from));
  const body = bodyOf(flags);
  const priority = priorityOf(flags);
  const typeGiven = flags.type === undefined ? undefined : checkType(flags.type);
  const to = [...new Set(recipients.flatMap((r) => expandRecipient(town.root, r)))];
  const store = await town.store();
  const thread = await threadOf(store, flags);
  const subject = checkSubject(flags.subject ?? replySubject(thread.parent));
  const type = typeGiven ?? (thread.replyTo === undefined ? DEFAULT_TYPE : 'reply');
  const senderVerified = await isVerifiedSender(store, from, town.env.GT_AGENT_TOKEN);
  const sent: Message[] = [];
  for (const recipient of to) {
    sent.push(
      await store.sendMessage({
        from: formatAddress(from),
        to: recipient,
        subject,
        body,
        priority,
        type,
        threadId: thread.threadId,
        replyTo: thread.replyTo,
        senderVerified,
      }),
    );
  }
  await afterSending(town, to, flags.notify === true);
  if (flags.json)
    printJson(sent.length === 1 ? messageToJson(sent[0] as Message) : sent.map(messageToJson));
  else for (const m of sent) println(`sent ${m.id} to ${m.to}`);
  return 0;
}

function replySubject(parent: Message | undefined): string {
  if (parent === undefined)
    throw new InputError('GT_BAD_USAGE', 'a subject is needed (-s SUBJECT)');
  return /^re:/i.test(parent.subject) ? parent.subject : `Re: ${parent.subject}`;
}

/** Wakes the daemon for requests, and with --notify redraws the recipients' status lines. */
async function afterSending(
  town: TownContext,
  to: readonly string[],
  notify: boolean,
): Promise<void> {
  if (to.includes('deacon')) await poke(town.paths.daemonSocket);
  if (!notify) return;
  const host = townHost(town.root, town.settings);
  for (const address of to) {
    if (address === OVERSEER) continue;
    // The status line shows the unread count; a session not running has nothing to show.
    await host.refreshStatus(sessionName(parseIdentity(address))).catch(() => undefined);
  }
}
