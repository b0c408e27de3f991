// The notification outbox on SQLite: written in the same transaction as the event that causes
// each, claimed by the daemon's sender (an attempt counted, due again only when its claim runs
// out), settled by how the attempt went.
import { newNotificationId } from '../ids.js';
import type { Row } from '../rows.js';
import { notificationRow, settledNotification, toEvent, toNotification } from '../rows.js';
import type {
  NewEvent,
  NewNotification,
  Notification,
  NotificationResult,
  NotificationStatus,
  StoredEvent,
} from '../store.js';
import type { SqliteDb } from './database.js';
import { eventParams } from './events.js';

export function recordEventNotifying(
  db: SqliteDb,
  event: NewEvent,
  notifications: readonly NewNotification[],
): Promise<StoredEvent> {
  return db.run('recording an event', () =>
    db.immediate(() => {
      const stored = toEvent(db.stmt('insertEvent').get(eventParams(db, event)) as Row);
      for (const n of notifications) {
        const row = { ...notificationRow(n, newNotificationId(stored.ts)), eventSeq: stored.seq };
        const params = { ...row, createdAt: stored.ts };
        // The first of its key in its window, or folded into the count sent at the window's end.
        if (db.stmt('insertNotification').run(params).changes === 0)
          db.stmt('insertFoldedNotification').run(params);
      }
      return stored;
    }),
  );
}

export function claimNotifications(
  db: SqliteDb,
  opts: { now: number; leaseMs: number; limit: number },
): Promise<Notification[]> {
  return db.run('claiming notifications', () =>
    (
      db
        .stmt('claimNotifications')
        .all({ now: opts.now, until: opts.now + opts.leaseMs, limit: opts.limit }) as Row[]
    ).map(toNotification),
  );
}

export function settleNotification(
  db: SqliteDb,
  id: string,
  result: NotificationResult,
  now: number,
): Promise<void> {
  return db.run('settling a notification', () => {
    db.stmt('settleNotification').run({ id, ...settledNotification(result, now) });
  });
}

export function listNotifications(
  db: SqliteDb,
  query: { statuses?: readonly NotificationStatus[]; limit?: number },
): Promise<Notification[]> {
  const params = {
    statuses: query.statuses === undefined ? null : JSON.stringify(query.statuses),
    limit: query.limit ?? -1,
  };
  return db.run('listing notifications', () =>
    (db.stmt('listNotifications').all(params) as Row[]).map(toNotification),
  );
}
