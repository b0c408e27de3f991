// Agent records on SQLite: one row per identity, created on first patch and then patched
// field by field in one immediate transaction.
import type { Row } from '../rows.js';
import { AGENT_FIELDS, endedSessionValues, toAgent, toEndedSession } from '../rows.js';
import type { AgentPatch, AgentRecord, EndedSession } from '../store.js';
import type { SqliteDb } from './database.js';

export function getAgent(db: SqliteDb, identity: string): Promise<AgentRecord | undefined> {
  return db.run('reading an agent', () => {
    const row = db.stmt('getAgent').get(identity) as Row | undefined;
    return row === undefined ? undefined : toAgent(row);
  });
}

export function patchAgent(
  db: SqliteDb,
  identity: string,
  patch: AgentPatch,
): Promise<AgentRecord> {
  return db.run('saving an agent', () =>
    db.immediate(() => {
      const now = db.now();
      db.stmt('ensureAgent').run(identity, now);
      const { sql, values } = agentUpdate(patch);
      db.patchStatement(sql).run({ ...values, identity, updatedAt: now });
      return toAgent(db.stmt('getAgent').get(identity) as Row);
    }),
  );
}

export function listAgents(db: SqliteDb): Promise<AgentRecord[]> {
  return db.run('listing agents', () => (db.stmt('listAgents').all() as Row[]).map(toAgent));
}

function agentUpdate(patch: AgentPatch): { sql: string; values: Record<string, unknown> } {
  const sets: string[] = ['updated_at = @updatedAt'];
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(AGENT_FIELDS) as Array<keyof AgentPatch>) {
    if (!(key in patch)) continue;
    const value = patch[key];
    sets.push(`${AGENT_FIELDS[key]} = @${key}`);
    values[key] =
      key === 'restarts'
        ? JSON.stringify(value ?? [])
        : typeof value === 'boolean'
          ? Number(value)
          : value;
  }
  return { sql: `UPDATE agents SET ${sets.join(', ')} WHERE identity = @identity`, values };
}

export function endSession(db: SqliteDb, ended: EndedSession): Promise<boolean> {
  return db.run(
    'recording a session',
    () => db.stmt('insertEndedSession').run(...endedSessionValues(ended)).changes > 0,
  );
}

export function listSessions(
  db: SqliteDb,
  identity: string,
  limit: number,
): Promise<EndedSession[]> {
  return db.run('listing sessions', () =>
    (db.stmt('listSessions').all(identity, limit) as Row[]).map(toEndedSession),
  );
}
