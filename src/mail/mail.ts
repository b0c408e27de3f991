// Mail between agents: checking what a sender gives us, naming the sender, and the
// JSON shape of `gt mail inbox --json` (the fields the original daemon reads).
import { InputError } from '../errors.js';
import type { Identity } from '../town/identity.js';
import { parseIdentity } from '../town/identity.js';
import type { Message, Priority } from '../store/store.js';
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
  thread_id?: string;
  reply_to?: string;
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
  };
  if (msg.threadId !== null) json.thread_id = msg.threadId;
  if (msg.replyTo !== null) json.reply_to = msg.replyTo;
  return json;
}

export function parsePriority(text: string): Priority {
  const lower = text.toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(lower)) return lower as Priority;
  throw new InputError('GT_BAD_PRIORITY', `unknown priority ${JSON.stringify(text)}`, {
    hint: `use one of ${PRIORITIES.join(', ')}`,
  });
}

const TYPE_RE = /^[a-z][a-z0-9_-]{0,31}$/;

export function checkType(type: string): string {
  if (!TYPE_RE.test(type)) {
    throw new InputError('GT_BAD_TYPE', `bad message type ${JSON.stringify(type.slice(0, 40))}`, {
      hint: 'a type is a short lower-case word such as message, task, notification',
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

/** The sender: --from, else GT_ROLE, else mayor (as the original does). */
export function resolveSender(from: string | undefined, env: NodeJS.ProcessEnv): Identity {
  const text = from ?? (env.GT_ROLE ? env.GT_ROLE : 'mayor');
  return parseIdentity(text);
}
