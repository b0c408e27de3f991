// Prompts queued for agents (gt nudge) on SQLite. A change applies only while the nudge is
// in one of the statuses the caller expects, so two deliverers never both act on it.
import { newNudgeId } from '../ids.js';
import type { Row } from '../rows.js';
import { NUDGE_FIELDS, toNudge } from '../rows.js';
import type { NewNudge, Nudge, NudgePatch, NudgeQuery, NudgeStatus } from '../store.js';
import { PENDING_NUDGE } from '../store.js';
import type { SqliteDb } from './database.js';

export function enqueueNudge(db: SqliteDb, nudge: NewNudge): Promise<Nudge> {
  return db.run('queueing a nudge', () => {
    const createdAt = nudge.createdAt ?? db.now();
    const params = { id: newNudgeId(createdAt), ...nudge, createdAt };
    return toNudge(db.stmt('insertNudge').get(params) as Row);
  });
}

export function getNudge(db: SqliteDb, id: string): Promise<Nudge | undefined> {
  return db.run('reading a nudge', () => {
    const row = db.stmt('getNudge').get(id) as Row | undefined;
    return row === undefined ? undefined : toNudge(row);
  });
}

export function listNudges(db: SqliteDb, query: NudgeQuery): Promise<Nudge[]> {
  const params = {
    to: query.to ?? null,
    statuses: query.statuses === undefined ? null : JSON.stringify(query.statuses),
    limit: query.limit ?? -1,
  };
  // Prompts still under way are a few among every one ever sent: asked for only those (each
  // look of the daemon's, each prompt's acknowledgement), the partial index finds them.
  const pending = query.statuses?.every((s) => PENDING_NUDGE.includes(s)) === true;
  const name = pending ? 'listPendingNudges' : 'listNudges';
  return db.run('listing nudges', () => (db.stmt(name).all(params) as Row[]).map(toNudge));
}

export function updateNudge(
  db: SqliteDb,
  id: string,
  from: readonly NudgeStatus[],
  patch: NudgePatch,
  now: number,
): Promise<Nudge | undefined> {
  return db.run('updating a nudge', () => {
    const sets = ['updated_at = @now'];
    const values: Record<string, unknown> = { id, now, from: JSON.stringify(from) };
    for (const [key, column] of Object.entries(NUDGE_FIELDS)) {
      if (!(key in patch)) continue;
      sets.push(`${column} = @${key}`);
      values[key] = patch[key as keyof NudgePatch] ?? null;
    }
    const sql = `UPDATE nudges SET ${sets.join(', ')} WHERE id = @id
        AND status IN (SELECT value FROM json_each(@from)) RETURNING *`;
    const row = db.patchStatement(sql).get(values) as Row | undefined;
    return row === undefined ? undefined : toNudge(row);
  });
}

export function purgeNudges(db: SqliteDb, before: number): Promise<number> {
  return db.run('purging nudges', () => db.stmt('purgeNudges').run({ before }).changes);
}
