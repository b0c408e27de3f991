// Message and nudge ids: short, random, time-ordered, safe in paths, shells and URLs.
import { InternalError } from '../errors.js';
import { randomToken, TOKEN_ALPHABET } from '../util/random.js';

const ALPHABET = TOKEN_ALPHABET;

/** Milliseconds since the epoch in 9 base-32 digits, so ids sort (and index) by time. */
function timePart(ms: number): string {
  let out = '';
  let rest = Math.floor(ms);
  for (let i = 0; i < 9; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** The times a message id can carry: whole ms from the epoch, in 9 base-32 digits. */
const MAX_ID_TIME = 32 ** 9 - 1;

/** A message id: time-ordered (cheap to index, sorts by arrival) with 30 random bits against collisions. */
export function newMessageId(now = Date.now()): string {
  if (!Number.isSafeInteger(now) || now < 0 || now > MAX_ID_TIME)
    throw new InternalError(`a message time must be whole ms from 0 to ${MAX_ID_TIME}, got ${now}`);
  return `gm-${timePart(now)}${randomToken(6)}`;
}

/** The smallest id a message created at `ms` can have: every older message sorts below it. */
export function messageIdFloor(ms: number): string {
  return `gm-${timePart(ms + 1)}`;
}

/** A nudge id: time-ordered like message ids. */
export function newNudgeId(now = Date.now()): string {
  return `gn-${timePart(now)}${randomToken(6)}`;
}

/** A notification id (the receiver's X-GT-Notification-Id): time-ordered like message ids. */
export function newNotificationId(now = Date.now()): string {
  return `gx-${timePart(now)}${randomToken(6)}`;
}

const NUDGE_ID_RE = /^gn-[0-9a-z]{4,32}$/;

export function isNudgeId(text: string): boolean {
  return NUDGE_ID_RE.test(text);
}

const ID_RE = /^g[m]-[0-9a-z]{4,32}$/;

export function isMessageId(text: string): boolean {
  return ID_RE.test(text);
}
