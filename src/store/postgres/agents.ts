// Agent records on PostgreSQL: one row per identity, patched field by field.
import { AGENT_FIELDS, endedSessionValues, toAgent, toEndedSession } from '../rows.js';
import type { AgentPatch, AgentRecord, EndedSession } from '../store.js';
import type { PgDb } from './pool.js';

export async function getAgent(db: PgDb, identity: string): Promise<AgentRecord | undefined> {
  const [row] = await db.query('getAgent', [identity], 'reading an agent');
  return row === undefined ? undefined : toAgent(row);
}

export async function patchAgent(
  db: PgDb,
  identity: string,
  patch: AgentPatch,
): Promise<AgentRecord> {
  // Keys present in the patch are set, even to undefined (as NULL), as in the SQLite backend.
  const columns: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(AGENT_FIELDS)) {
    if (!(key in patch)) continue;
    const value = patch[key as keyof AgentPatch];
    columns[column] = key === 'restarts' ? (value ?? []) : (value ?? null);
  }
  const [row] = await db.query(
    'patchAgent',
    [identity, JSON.stringify(columns), db.now()],
    'saving an agent',
  );
  return toAgent(row ?? {});
}

export async function listAgents(db: PgDb): Promise<AgentRecord[]> {
  return (await db.query('listAgents', [], 'listing agents')).map(toAgent);
}

export async function endSession(db: PgDb, ended: EndedSession): Promise<boolean> {
  return (
    (await db.count('insertEndedSession', endedSessionValues(ended), 'recording a session')) > 0
  );
}

export async function listSessions(
  db: PgDb,
  identity: string,
  limit: number,
): Promise<EndedSession[]> {
  return (await db.query('listSessions', [identity, limit], 'listing sessions')).map(
    toEndedSession,
  );
}
