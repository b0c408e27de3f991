// Mail as `gt mail send` and `gt mail reply` send it, wherever that runs (the command's own
// process, or the daemon answering it over its socket): who it is from, who it goes to (agents,
// a whole rig, the overseer, copies), its thread, and what the command prints.
import { readFileSync } from 'node:fs';
import { isVerifiedSender } from './token.js';
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
import type { Message, Priority, Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, parseIdentity } from '../town/identity.js';

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

/** What sending needs of where it runs. */
export interface SendContext {
  root: string;
  store: () => Promise<Store>;
  /** Who sends when no --from says: the session's agent, else whoever the folder says. */
  self: () => Identity;
  /** The session's secret (GT_AGENT_TOKEN): a sender presenting it is verified. */
  token: string | undefined;
}

/** Sends one message to each address; gives them, in order. */
export async function sendMessages(
  ctx: SendContext,
  address: string | undefined,
  flags: SendFlags,
): Promise<Message[]> {
  // Everything the user gave is checked before the store is touched: bad input writes nothing.
  const from = flags.from === undefined ? ctx.self() : parseIdentity(flags.from);
  const recipients = recipientsOf(address, flags, formatAddress(from));
  const body = bodyOf(flags);
  const priority = priorityOf(flags);
  const typeGiven = flags.type === undefined ? undefined : checkType(flags.type);
  const to = [...new Set(recipients.flatMap((r) => expandRecipient(ctx.root, r)))];
  const store = await ctx.store();
  const thread = await threadOf(store, flags);
  const subject = checkSubject(flags.subject ?? replySubject(thread.parent));
  const type = typeGiven ?? (thread.replyTo === undefined ? DEFAULT_TYPE : 'reply');
  const senderVerified = await isVerifiedSender(store, from, ctx.token);
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
  return sent;
}

/** What `gt mail send` prints for what it sent. */
export function sentText(sent: readonly Message[], json: boolean): string {
  if (json) {
    const value = sent.length === 1 ? messageToJson(sent[0] as Message) : sent.map(messageToJson);
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  return sent.map((m) => `sent ${m.id} to ${m.to}\n`).join('');
}

function replySubject(parent: Message | undefined): string {
  if (parent === undefined)
    throw new InputError('GT_BAD_USAGE', 'a subject is needed (-s SUBJECT)');
  return /^re:/i.test(parent.subject) ? parent.subject : `Re: ${parent.subject}`;
}
