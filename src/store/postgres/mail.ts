// Mail and lifecycle requests on PostgreSQL: sending and reading messages, and the claim/settle
// cycle by which daemons work through requests. Claims skip rows another daemon holds.
import { messageIdFloor } from '../ids.js';
import { NEW_MESSAGE_STATE, newMessageRow, toMessage } from '../rows.js';
import type {
  ClaimOptions,
  DueOptions,
  InboxOptions,
  Message,
  MessageCounts,
  MessageStatus,
  NewMessage,
  Settlement,
} from '../store.js';
import { NEVER } from '../store.js';
import type { PgDb } from './pool.js';

export async function sendMessage(db: PgDb, msg: NewMessage): Promise<Message> {
  const row = newMessageRow(msg, db.now());
  // The row's fields are in the statement's column order.
  const values = [...Object.values(row), msg.senderVerified];
  const [inserted] = await db.query('insertMessage', values, 'saving the message');
  // Built here rather than read back: the row is exactly what was inserted plus defaults.
  const seq = inserted?.seq as number;
  return { ...row, seq, senderVerified: msg.senderVerified, ...NEW_MESSAGE_STATE };
}

export async function getMessage(db: PgDb, id: string): Promise<Message | undefined> {
  const [row] = await db.query('getMessage', [id], 'reading a message');
  return row === undefined ? undefined : toMessage(row);
}

export async function listInbox(db: PgDb, to: string, opts: InboxOptions): Promise<Message[]> {
  const params = [to, opts.limit ?? null, opts.all === true, opts.unreadOnly === true];
  return (await db.query('inbox', params, 'reading the inbox')).map(toMessage);
}

export async function listThread(db: PgDb, threadId: string): Promise<Message[]> {
  return (await db.query('thread', [threadId], 'reading a thread')).map(toMessage);
}

export async function closeMessage(
  db: PgDb,
  id: string,
  outcome: string,
  now: number,
): Promise<boolean> {
  return (await db.count('closeMessage', [id, outcome, now], 'closing a message')) > 0;
}

export async function countUnread(db: PgDb, to: string): Promise<number> {
  const [row] = await db.query('countUnread', [to], 'counting mail');
  return row?.n as number;
}

export async function markRead(db: PgDb, id: string, read: boolean): Promise<boolean> {
  return (await db.count('markRead', [read, id], 'marking mail read')) > 0;
}

export async function deleteMessage(db: PgDb, id: string): Promise<boolean> {
  return (await db.count('deleteMessage', [id], 'deleting mail')) > 0;
}

export function purgeMessages(db: PgDb, before: number): Promise<number> {
  return db.count('purge', [messageIdFloor(before), before, NEVER], 'purging mail');
}

export async function claimMessages(db: PgDb, opts: ClaimOptions): Promise<Message[]> {
  const rows = await db.query(
    'claim',
    [
      opts.to,
      opts.owner,
      opts.host,
      opts.now,
      opts.now + opts.leaseMs,
      opts.limit,
      opts.takeOverHost === true,
      opts.onlyOwnHostAgents === true,
    ],
    'claiming requests',
  );
  return rows.map(toMessage).sort((a, b) => a.seq - b.seq);
}

export async function settleMessage(
  db: PgDb,
  id: string,
  owner: string,
  settlement: Settlement,
  now: number,
): Promise<boolean> {
  const what = 'settling a request';
  switch (settlement.kind) {
    case 'done': {
      const values = [id, owner, settlement.outcome, now, settlement.reason ?? null];
      return (await db.count('settleDone', values, what)) > 0;
    }
    case 'dead':
      return (await db.count('settleDead', [id, owner, settlement.error, now], what)) > 0;
    case 'retry': {
      const values = [id, owner, settlement.error, settlement.nextAttemptAt];
      return (await db.count('settleRetry', values, what)) > 0;
    }
    case 'mail':
      return (
        (await db.count(
          'settleMail',
          [id, owner, settlement.outcome, NEVER, settlement.reason ?? null],
          what,
        )) > 0
      );
  }
}

export function releaseClaims(db: PgDb, owner: string): Promise<number> {
  return db.count('release', [owner], 'releasing claims');
}

export async function countByStatus(db: PgDb, to: string): Promise<MessageCounts> {
  const rows = await db.query('countByStatus', [to, NEVER], 'counting requests');
  const counts: MessageCounts = { open: 0, claimed: 0, done: 0, dead: 0 };
  for (const row of rows) counts[row.status as MessageStatus] = row.n as number;
  return counts;
}

export async function nextDueAt(db: PgDb, to: string, opts?: DueOptions): Promise<number | null> {
  const values = [to, opts?.host ?? '', opts?.onlyOwnHostAgents === true, NEVER];
  const [row] = await db.query('nextDue', values, 'reading due requests');
  return (row?.t as number | null | undefined) ?? null;
}

export async function listByStatus(
  db: PgDb,
  to: string,
  status: MessageStatus,
  limit: number,
): Promise<Message[]> {
  const rows = await db.query('listByStatus', [to, status, limit], 'listing requests');
  return rows.map(toMessage);
}
