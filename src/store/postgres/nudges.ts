// Prompts queued for agents (gt nudge) on PostgreSQL. A change applies only while the nudge is
// in one of the statuses the caller expects, so two deliverers never both act on it.
import { newNudgeId } from '../ids.js';
import { NUDGE_FIELDS, toNudge } from '../rows.js';
import type { NewNudge, Nudge, NudgePatch, NudgeQuery, NudgeStatus } from '../store.js';
import type { PgDb } from './pool.js';

export async function enqueueNudge(db: PgDb, nudge: NewNudge): Promise<Nudge> {
  const createdAt = nudge.createdAt ?? db.now();
  const values = [newNudgeId(createdAt), nudge.to, nudge.from, nudge.text, createdAt];
  const [row] = await db.query('insertNudge', values, 'queueing a nudge');
  return toNudge(row ?? {});
}

export async function getNudge(db: PgDb, id: string): Promise<Nudge | undefined> {
  const [row] = await db.query('getNudge', [id], 'reading a nudge');
  return row === undefined ? undefined : toNudge(row);
}

export async function listNudges(db: PgDb, query: NudgeQuery): Promise<Nudge[]> {
  const values = [query.to ?? null, query.statuses ?? null, query.limit ?? null];
  return (await db.query('listNudges', values, 'listing nudges')).map(toNudge);
}

export async function updateNudge(
  db: PgDb,
  id: string,
  from: readonly NudgeStatus[],
  patch: NudgePatch,
  now: number,
): Promise<Nudge | undefined> {
  const columns: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(NUDGE_FIELDS))
    if (key in patch) columns[column] = patch[key as keyof NudgePatch] ?? null;
  const values = [id, from, JSON.stringify(columns), now];
  const [row] = await db.query('updateNudge', values, 'updating a nudge');
  return row === undefined ? undefined : toNudge(row);
}

export function purgeNudges(db: PgDb, before: number): Promise<number> {
  return db.count('purgeNudges', [before], 'purging nudges');
}
