// Mail and lifecycle requests on SQLite: sending and reading messages, and the claim/settle
// cycle by which daemons work through requests.
import { messageIdFloor } from '../ids.js';
import type { Row } from '../rows.js';
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
import type { SqliteDb } from './database.js';

export function sendMessage(db: SqliteDb, msg: NewMessage): Promise<Message> {
  return db.run('saving the message', () => {
    const row = { ...newMessageRow(msg, db.now()), senderVerified: msg.senderVerified ? 1 : 0 };
    const insert = db.stmt('insertMessage');
    const info = insert.run(
      row.id,
      row.from,
      row.to,
      row.subject,
      row.body,
      row.priority,
      row.type,
      row.threadId,
      row.replyTo,
      row.createdAt,
      row.senderVerified,
    );
    // Built here rather than read back: the row is exactly what was inserted plus defaults.
    return {
      ...row,
      seq: Number(info.lastInsertRowid),
      senderVerified: msg.senderVerified,
      ...NEW_MESSAGE_STATE,
    };
  });
}

export function getMessage(db: SqliteDb, id: string): Promise<Message | undefined> {
  return db.run('reading a message', () => {
    const row = db.stmt('getMessage').get(id) as Row | undefined;
    return row === undefined ? undefined : toMessage(row);
  });
}

export function listInbox(db: SqliteDb, to: string, opts: InboxOptions): Promise<Message[]> {
  const params = {
    to,
    all: opts.all ? 1 : 0,
    unread: opts.unreadOnly ? 1 : 0,
    limit: opts.limit ?? -1,
  };
  return db.run('reading the inbox', () => (db.stmt('inbox').all(params) as Row[]).map(toMessage));
}

export function listThread(db: SqliteDb, threadId: string): Promise<Message[]> {
  return db.run('reading a thread', () =>
    (db.stmt('thread').all(threadId) as Row[]).map(toMessage),
  );
}

export function closeMessage(
  db: SqliteDb,
  id: string,
  outcome: string,
  now: number,
): Promise<boolean> {
  return db.run(
    'closing a message',
    () => db.stmt('closeMessage').run({ id, outcome, now }).changes > 0,
  );
}

export function countUnread(db: SqliteDb, to: string): Promise<number> {
  return db.run('counting mail', () => (db.stmt('countUnread').get(to) as { n: number }).n);
}

export function markRead(db: SqliteDb, id: string, read: boolean): Promise<boolean> {
  return db.run('marking mail read', () => db.stmt('markRead').run(read ? 1 : 0, id).changes > 0);
}

export function deleteMessage(db: SqliteDb, id: string): Promise<boolean> {
  return db.run('deleting mail', () => db.stmt('deleteMessage').run(id).changes > 0);
}

export function purgeMessages(db: SqliteDb, before: number): Promise<number> {
  return db.run(
    'purging mail',
    () => db.stmt('purge').run({ before, cutoffId: messageIdFloor(before), never: NEVER }).changes,
  );
}

export function claimMessages(db: SqliteDb, opts: ClaimOptions): Promise<Message[]> {
  return db.run('claiming requests', () => {
    const rows = db.stmt('claim').all({
      to: opts.to,
      owner: opts.owner,
      host: opts.host,
      now: opts.now,
      leaseUntil: opts.now + opts.leaseMs,
      limit: opts.limit,
      takeOver: opts.takeOverHost ? 1 : 0,
      ownHost: opts.onlyOwnHostAgents ? 1 : 0,
    }) as Row[];
    return rows.map(toMessage).sort((a, b) => a.seq - b.seq);
  });
}

export function settleMessage(
  db: SqliteDb,
  id: string,
  owner: string,
  settlement: Settlement,
  now: number,
): Promise<boolean> {
  return db.run('settling a request', () => {
    switch (settlement.kind) {
      case 'done':
        return (
          db
            .stmt('settleDone')
            .run({ id, owner, now, outcome: settlement.outcome, reason: settlement.reason ?? null })
            .changes > 0
        );
      case 'dead':
        return db.stmt('settleDead').run({ id, owner, now, error: settlement.error }).changes > 0;
      case 'retry': {
        const { error, nextAttemptAt } = settlement;
        return db.stmt('settleRetry').run({ id, owner, error, nextAttemptAt }).changes > 0;
      }
      case 'mail': {
        const params = {
          id,
          owner,
          outcome: settlement.outcome,
          reason: settlement.reason ?? null,
          never: NEVER,
        };
        return db.stmt('settleMail').run(params).changes > 0;
      }
    }
  });
}

export function releaseClaims(db: SqliteDb, owner: string): Promise<number> {
  return db.run('releasing claims', () => db.stmt('release').run(owner).changes);
}

export function countByStatus(db: SqliteDb, to: string): Promise<MessageCounts> {
  return db.run('counting requests', () => {
    const rows = db.stmt('countByStatus').all({ to, never: NEVER }) as Array<{
      status: MessageStatus;
      n: number;
    }>;
    const counts: MessageCounts = { open: 0, claimed: 0, done: 0, dead: 0 };
    for (const { status, n } of rows) counts[status] = n;
    return counts;
  });
}

export function nextDueAt(db: SqliteDb, to: string, opts?: DueOptions): Promise<number | null> {
  const ownHost = opts?.onlyOwnHostAgents ? 1 : 0;
  const params = { to, host: opts?.host ?? '', ownHost, never: NEVER };
  return db.run(
    'reading due requests',
    () => (db.stmt('nextDue').get(params) as { t: number | null }).t,
  );
}

export function listByStatus(
  db: SqliteDb,
  to: string,
  status: MessageStatus,
  limit: number,
): Promise<Message[]> {
  return db.run('listing requests', () =>
    (db.stmt('listByStatus').all(to, status, limit) as Row[]).map(toMessage),
  );
}
