// Reading mail: inbox, read/show, peek, thread, check (with --inject for agent hooks), and
// marking, archiving and deleting messages. Reading never marks read (as in Gas Town), so a
// handoff note stays new until its reader says it is done with it.
import { InputError, NotFoundError } from '../errors.js';
import { injectionBlock } from '../mail/inject.js';
import { hookContext } from './hook-input.js';
import { parseMailbox } from '../mail/address.js';
import { isClosed, messageToJson, outcomeText } from '../mail/mail.js';
import { isMessageId } from '../store/ids.js';
import type { Message, Store } from '../store/store.js';
import { formatAddress } from '../town/identity.js';
import { oneLine, printable } from '../util/text.js';
import type { TownContext } from './context.js';
import { printJson, println } from './context.js';
import { writeStdout } from './output.js';

/** Whose mail: an address given (any accepted form, or overseer), else who this is. */
export function mailboxOf(town: TownContext, given: string | undefined): string {
  return given === undefined ? formatAddress(town.self()) : parseMailbox(given);
}

export function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(
      'GT_BAD_LIMIT',
      `--limit must be a positive whole number, got ${JSON.stringify(text)}`,
    );
  return n;
}

export function checkId(id: string): string {
  if (!isMessageId(id)) {
    throw new InputError(
      'GT_BAD_MESSAGE_ID',
      `${JSON.stringify(id.slice(0, 60))} is not a message id`,
      { hint: 'ids look like gm-0a1b2c3d4e5f; gt mail inbox lists them' },
    );
  }
  return id;
}

function noMessage(id: string): NotFoundError {
  return new NotFoundError('GT_MESSAGE_NOT_FOUND', `no message ${id}`);
}

/**
 * The message `ref` names: an id, or (as in Gas Town) its 1-based place in `owner`'s inbox
 * as `gt mail inbox` lists it.
 */
export async function findMessage(store: Store, owner: string, ref: string): Promise<Message> {
  if (/^\d{1,6}$/.test(ref)) {
    const inbox = await store.listInbox(owner, { limit: Number(ref) });
    const msg = Number(ref) >= 1 ? inbox[Number(ref) - 1] : undefined;
    if (msg === undefined)
      throw new NotFoundError('GT_MESSAGE_NOT_FOUND', `${owner} has no message ${ref}`);
    return msg;
  }
  const msg = await store.getMessage(checkId(ref));
  if (msg === undefined) throw noMessage(ref);
  return msg;
}

export interface InboxFlags {
  unread?: boolean;
  all?: boolean;
  limit?: string;
  json?: boolean;
}

export async function showInbox(
  town: TownContext,
  owner: string,
  flags: InboxFlags,
): Promise<void> {
  if (flags.unread && flags.all)
    throw new InputError('GT_BAD_USAGE', '--unread and --all ask for different lists: choose one');
  const limit = flags.limit === undefined ? undefined : parseLimit(flags.limit);
  const store = await town.store();
  const messages = await store.listInbox(owner, {
    unreadOnly: flags.unread === true,
    all: flags.all === true,
    limit,
  });
  if (flags.json) printJson(messages.map(messageToJson));
  else printInbox(owner, messages);
}

function printInbox(owner: string, messages: readonly Message[]): void {
  if (messages.length === 0) {
    println(`${owner}: no mail`);
    return;
  }
  messages.forEach((m, i) => {
    const flag = isClosed(m) ? '-' : m.read ? ' ' : '*';
    const when = new Date(m.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    println(
      `${String(i + 1).padStart(3)}. ${flag} ${m.id}  ${when}  ${m.priority.padEnd(6)}  ${oneLine(m.from).padEnd(20)}  ${oneLine(m.subject)}`,
    );
  });
}

export function printMessage(m: Message): void {
  println(`id:       ${m.id}`);
  println(`from:     ${oneLine(m.from)}${m.senderVerified ? ' (verified)' : ''}`);
  println(`to:       ${oneLine(m.to)}`);
  println(`date:     ${new Date(m.createdAt).toISOString()}`);
  println(`priority: ${m.priority}   type: ${oneLine(m.type)}   thread: ${m.threadId ?? m.id}`);
  if (m.replyTo !== null) println(`reply to: ${m.replyTo}`);
  if (m.status !== 'open')
    println(
      `status:   ${m.status}${m.outcome ? ` (${oneLine(outcomeText(m.outcome, m.outcomeReason))})` : ''}`,
    );
  println(`subject:  ${oneLine(m.subject)}`);
  println('');
  println(printable(m.body));
}

/** `gt mail peek`: the newest unread message, short; exit 1 when there is none. */
export async function peek(town: TownContext, owner: string, json: boolean): Promise<number> {
  const [newest] = await (await town.store()).listInbox(owner, { unreadOnly: true, limit: 1 });
  if (newest === undefined) {
    if (json) printJson(null);
    return 1;
  }
  if (json) {
    printJson(messageToJson(newest));
    return 0;
  }
  println(`${newest.id} from ${oneLine(newest.from)}: ${oneLine(newest.subject)}`);
  const body = printable(newest.body);
  if (body.length > 0) println(body.length > 500 ? `${body.slice(0, 500)}…` : body);
  return 0;
}

/** `gt mail thread`: every message of the thread a message or thread id names, oldest first. */
export async function showThread(town: TownContext, ref: string, json: boolean): Promise<void> {
  const store = await town.store();
  let threadId = ref;
  if (!ref.startsWith('thread-')) {
    const msg = await store.getMessage(checkId(ref));
    if (msg === undefined) throw noMessage(ref);
    threadId = msg.threadId ?? msg.id;
  }
  const messages = await store.listThread(threadId);
  if (messages.length === 0) {
    const lone = isMessageId(threadId) ? await store.getMessage(threadId) : undefined;
    if (lone !== undefined) messages.push(lone);
  }
  if (messages.length === 0)
    throw new NotFoundError('GT_MESSAGE_NOT_FOUND', `no thread ${JSON.stringify(ref)}`);
  if (json) return printJson(messages.map(messageToJson));
  println(`thread ${threadId}: ${messages.length} message${messages.length === 1 ? '' : 's'}`);
  for (const m of messages) {
    const when = new Date(m.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    println(`  ${when}  ${m.id}  ${oneLine(m.from)} → ${oneLine(m.to)}: ${oneLine(m.subject)}`);
  }
}

export interface CheckFlags {
  json?: boolean;
  inject?: boolean;
  hookFormat?: string;
}

/** `gt mail check`: exit 0 with unread mail, 1 without; --inject always exits 0. */
export async function check(town: TownContext, owner: string, flags: CheckFlags): Promise<number> {
  const store = await town.store();
  if (flags.inject) {
    const unread = await store.listInbox(owner, { unreadOnly: true });
    writeStdout(hookContext(injectionBlock(owner, unread), flags.hookFormat));
    return 0;
  }
  const unread = await store.countUnread(owner);
  if (flags.json) printJson({ address: owner, unread, has_new: unread > 0 });
  else println(unread > 0 ? `${owner}: ${unread} unread` : `${owner}: no unread mail`);
  return unread > 0 ? 0 : 1;
}

type Change = 'mark-read' | 'mark-unread' | 'archive' | 'delete';

const DONE: Readonly<Record<Change, string>> = {
  'mark-read': 'marked read',
  'mark-unread': 'marked unread',
  archive: 'archived',
  delete: 'deleted',
};

async function applyOne(store: Store, change: Change, id: string): Promise<boolean> {
  switch (change) {
    case 'mark-read':
      return store.markRead(id, true);
    case 'mark-unread':
      return store.markRead(id, false);
    case 'archive':
      return store.closeMessage(id, 'archived', Date.now());
    case 'delete':
      return store.deleteMessage(id);
  }
}

/** Applies `change` to every id; all are checked first, so a bad one changes nothing. */
export async function changeMessages(
  town: TownContext,
  change: Change,
  ids: readonly string[],
): Promise<number> {
  for (const id of ids) checkId(id);
  const store = await town.store();
  for (const id of ids) if ((await store.getMessage(id)) === undefined) throw noMessage(id);
  let failed = 0;
  for (const id of ids) {
    if (await applyOne(store, change, id)) println(`${DONE[change]} ${id}`);
    else {
      failed += 1;
      process.stderr.write(
        `gt: ${id} is not open (being handled, or closed already): left as it is\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}
