// The notification outbox on PostgreSQL: written in one statement with the event that causes
// each, claimed by a sender (SKIP LOCKED: two daemons never take the same one), settled by how
// the attempt went.
import { newNotificationId } from '../ids.js';
import { notificationRow, settledNotification, toEvent, toNotification } from '../rows.js';
import type {
  NewEvent,
  NewNotification,
  Notification,
  NotificationResult,
  NotificationStatus,
  StoredEvent,
} from '../store.js';
import { eventValues } from './events.js';
import type { PgDb } from './pool.js';

export async function recordEventNotifying(
  db: PgDb,
  event: NewEvent,
  notifications: readonly NewNotification[],
): Promise<StoredEvent> {
  const values = eventValues(db, event);
  const ts = values[0] as number;
  const rows = notifications.map((n) => notificationRow(n, newNotificationId(ts)));
  const [row] = await db.query(
    'insertEventNotifying',
    [...values, JSON.stringify(rows)],
    'recording an event',
  );
  return toEvent(row ?? {});
}

export async function claimNotifications(
  db: PgDb,
  opts: { now: number; leaseMs: number; limit: number },
): Promise<Notification[]> {
  const values = [opts.now, opts.now + opts.leaseMs, opts.limit];
  return (await db.query('claimNotifications', values, 'claiming notifications')).map(
    toNotification,
  );
}

export async function settleNotification(
  db: PgDb,
  id: string,
  result: NotificationResult,
  now: number,
): Promise<void> {
  const s = settledNotification(result, now);
  const values = [id, s.status, s.error, s.nextAttemptAt, s.deliveredAt, s.undo];
  await db.count('settleNotification', values, 'settling a notification');
}

export async function listNotifications(
  db: PgDb,
  query: { statuses?: readonly NotificationStatus[]; limit?: number },
): Promise<Notification[]> {
  const values = [query.statuses ?? null, query.limit ?? null];
  return (await db.query('listNotifications', values, 'listing notifications')).map(toNotification);
}
