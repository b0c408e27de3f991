// The event log on SQLite: what the daemon and agents did, appended and read back in order.
import type { Row } from '../rows.js';
import { toEvent } from '../rows.js';
import type { EventQuery, NewEvent, StoredEvent } from '../store.js';
import type { SqliteDb } from './database.js';

/** An event's columns as the insert statement names them. */
export function eventParams(db: SqliteDb, event: NewEvent): Record<string, unknown> {
  return {
    ts: event.ts ?? db.now(),
    kind: event.kind,
    identity: event.identity ?? null,
    messageId: event.messageId ?? null,
    requestId: event.requestId ?? null,
    action: event.action ?? null,
    outcome: event.outcome ?? null,
    reason: event.reason ?? null,
    durationMs: event.durationMs ?? null,
    data: event.data == null ? null : JSON.stringify(event.data),
  };
}

export function recordEvent(db: SqliteDb, event: NewEvent): Promise<StoredEvent> {
  return db.run('recording an event', () =>
    toEvent(db.stmt('insertEvent').get(eventParams(db, event)) as Row),
  );
}

export function listEvents(db: SqliteDb, query: EventQuery): Promise<StoredEvent[]> {
  return db.run('reading events', () => {
    const params = {
      sinceTs: query.sinceTs ?? 0,
      afterSeq: query.afterSeq ?? 0,
      limit: query.limit ?? -1,
      identity: query.identity ?? null,
    };
    const which = query.newest === true ? 'listEventsNewest' : 'listEvents';
    return (db.stmt(which).all(params) as Row[]).map(toEvent);
  });
}

export function purgeEvents(db: SqliteDb, before: number): Promise<number> {
  return db.run('purging events', () => db.stmt('purgeEvents').run({ before }).changes);
}
