// Mail between agents: checking what a sender gives us, priorities and threads, and the
// JSON shape of `gt mail inbox --json` (the fields the original daemon reads).
import { InputError } from '../errors.js';
import { randomHex } from '../util/random.js';
import type { Message, MessageStatus, Priority } from '../store/store.js';
import { MAX_BODY_BYTES, MAX_SUBJECT_BYTES, PRIORITIES } from '../store/store.js';

export interface MessageJson {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  timestamp: string;
  read: boolean;
  priority: Priority;
  type: string;
  /** Always set: a message sent without one is a thread of its own, named by its id. */
  thread_id: string;
  reply_to?: string;
  /** Only when not plain open mail: claimed (being handled), done or dead (closed). */
  status?: Exclude<MessageStatus, 'open'>;
  /** How a closed message ended: a lifecycle outcome, or "archived". */
  outcome?: string;
}

export function messageToJson(msg: Message): MessageJson {
  const json: MessageJson = {
    id: msg.id,
    from: msg.from,
    to: msg.to,
    subject: msg.subject,
    body: msg.body,
    timestamp: new Date(msg.createdAt).toISOString(),
    read: msg.read,
    priority: msg.priority,
    type: msg.type,
    thread_id: msg.threadId ?? msg.id,
  };
  if (msg.replyTo !== null) json.reply_to = msg.replyTo;
  if (msg.status !== 'open') json.status = msg.status;
  if (msg.outcome !== null) json.outcome = outcomeText(msg.outcome, msg.outcomeReason);
  return json;
}

/** How a settled message ended, as one line for people and tools: the word, then why. */
export function outcomeText(outcome: string, reason: string | null): string {
  return reason === null || reason === '' ? outcome : `${outcome}: ${reason}`;
}

/** Mail is closed once handled or archived: out of the inbox, never new again. */
export function isClosed(msg: Message): boolean {
  return msg.status === 'done' || msg.status === 'dead';
}

/** Gas Town's numeric priorities: 0 urgent, 1 high, 2 normal, 3 low, 4 backlog (kept as low). */
const NUMERIC_PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low', 'low'];

/** A priority word (low, normal, high, urgent) or Gas Town's number 0–4. */
export function parsePriority(text: string): Priority {
  const lower = text.trim().toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(lower)) return lower as Priority;
  if (lower === 'backlog') return 'low';
  const numeric = /^[0-4]$/.test(lower) ? NUMERIC_PRIORITIES[Number(lower)] : undefined;
  if (numeric !== undefined) return numeric;
  throw new InputError('GT_BAD_PRIORITY', `unknown priority ${JSON.stringify(text)}`, {
    hint: `use one of ${PRIORITIES.join(', ')}, or 0 (urgent) to 4 (backlog)`,
  });
}

/** The type a message gets when the sender names none (as in Gas Town). */
export const DEFAULT_TYPE = 'notification';

/** A new thread: every message belongs to one, a reply to its parent's. */
export function newThreadId(): string {
  return `thread-${randomHex(6)}`;
}

const TYPE_RE = /^[a-z][a-z0-9_-]{0,31}$/;

export function checkType(type: string): string {
  if (!TYPE_RE.test(type)) {
    throw new InputError('GT_BAD_TYPE', `bad message type ${JSON.stringify(type.slice(0, 40))}`, {
      hint: 'a type is a short lower-case word such as notification, task, reply',
    });
  }
  return type;
}

export function checkSubject(subject: string): string {
  const bytes = Buffer.byteLength(subject, 'utf8');
  if (bytes > MAX_SUBJECT_BYTES) {
    throw new InputError(
      'GT_SUBJECT_TOO_LONG',
      `subject is ${bytes} bytes; at most ${MAX_SUBJECT_BYTES} are allowed`,
    );
  }
  if (subject.trim().length === 0) throw new InputError('GT_EMPTY_SUBJECT', 'subject is empty');
  if (subject.includes('\0'))
    throw new InputError('GT_BAD_SUBJECT', 'subject contains a NUL character');
  return subject;
}

export function checkBody(body: string): string {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new InputError(
      'GT_BODY_TOO_LONG',
      `body is ${bytes} bytes; at most ${MAX_BODY_BYTES} (64 KiB) are allowed`,
      {
        hint: 'put large content in a file in the rig and mail its path',
      },
    );
  }
  if (body.includes('\0')) throw new InputError('GT_BAD_BODY', 'body contains a NUL character');
  return body;
}
