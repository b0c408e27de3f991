// The event log on PostgreSQL: what the daemon and agents did, appended and read back in order.
import { toEvent } from '../rows.js';
import type { EventQuery, NewEvent, StoredEvent } from '../store.js';
import type { PgDb } from './pool.js';

/** An event's columns in the insert statements' order. */
export function eventValues(db: PgDb, event: NewEvent): unknown[] {
  return [
    event.ts ?? db.now(),
    event.kind,
    event.identity ?? null,
    event.messageId ?? null,
    event.requestId ?? null,
    event.action ?? null,
    event.outcome ?? null,
    event.reason ?? null,
    event.durationMs ?? null,
    event.data == null ? null : JSON.stringify(event.data),
  ];
}

export async function recordEvent(db: PgDb, event: NewEvent): Promise<StoredEvent> {
  const [row] = await db.query('insertEvent', eventValues(db, event), 'recording an event');
  return toEvent(row ?? {});
}

export async function listEvents(db: PgDb, query: EventQuery): Promise<StoredEvent[]> {
  const values = [
    query.sinceTs ?? 0,
    query.afterSeq ?? 0,
    query.limit ?? null,
    query.identity ?? null,
  ];
  const which = query.newest === true ? 'listEventsNewest' : 'listEvents';
  return (await db.query(which, values, 'reading events')).map(toEvent);
}

export function purgeEvents(db: PgDb, before: number): Promise<number> {
  return db.count('purgeEvents', [before], 'purging events');
}
