// What the user wants running. An agent's wanted state is set by the user's acts (a start, a
// cycle or restart → running; gt session stop or a shutdown request → stopped) and kept in its
// record; an agent the user never acted on takes its role's default, the daemon.keep_alive
// patterns (Gas Town keeps the mayor, the deacon, witnesses and refineries running).
import type { AgentRecord } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, matchesAddressPattern } from '../town/identity.js';

export type Wanted = 'running' | 'stopped';

/** Whether anything ever started the agent: then its record's wanted state is the user's. */
export function everStarted(record: AgentRecord | undefined): boolean {
  return (
    record !== undefined &&
    (record.startedAt !== null ||
      record.session !== null ||
      record.lastExitAt !== null ||
      record.restarts.length > 0)
  );
}

export function wantedState(
  id: Identity,
  record: AgentRecord | undefined,
  keepAlive: readonly string[],
): Wanted {
  if (record?.desired === 'stopped') return 'stopped';
  if (everStarted(record)) return 'running';
  return keepAlive.some((p) => matchesAddressPattern(p, id)) ? 'running' : 'stopped';
}

/** The agents among `agents` wanted running, given every agent record of the town. */
export function wantedRunning(
  agents: readonly Identity[],
  records: readonly AgentRecord[],
  keepAlive: readonly string[],
): Identity[] {
  const byAddress = new Map(records.map((r) => [r.identity, r]));
  return agents.filter(
    (id) => wantedState(id, byAddress.get(formatAddress(id)), keepAlive) === 'running',
  );
}
