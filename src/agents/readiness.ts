// Waiting for a started agent to be ready for work (gt session start --wait): its record says
// so once the daemon has read its screen past its dialogs (or its hooks said so). An agent that
// is blocked, failed or exited instead is an answer too, never waited out.
import { GtError } from '../errors.js';
import type { AgentRecord, Store } from '../store/store.js';
import { pollUntil } from '../util/wait.js';
import type { ResolvedAgent } from './resolve.js';

export type Readiness =
  { ready: true; activity: 'ready' } | { ready: false; activity: string; why: string };

/** What the record says of a start now; undefined while the agent is still getting there. */
export function readinessOf(r: AgentRecord | undefined, session: string): Readiness | undefined {
  if (r === undefined || r.session !== session) return undefined;
  if (r.failureKind !== null)
    return {
      ready: false,
      activity: r.activity ?? 'starting',
      why: `${r.failureKind}: ${r.failureDetail ?? ''}`,
    };
  switch (r.activity) {
    case 'ready':
    case 'busy':
      return { ready: true, activity: 'ready' };
    case 'blocked':
      return {
        ready: false,
        activity: 'blocked',
        why: r.activityDetail ?? 'waiting on a question',
      };
    case 'exited':
      return { ready: false, activity: 'exited', why: r.lastExit ?? 'its process exited' };
    default:
      return undefined;
  }
}

/**
 * Waits until the agent is ready, blocked, failed or gone; a runtime whose screen gastown-ts
 * cannot read is ready once it runs. Throws GT_WAIT_TIMEOUT after `timeoutMs`.
 */
export async function waitUntilReady(
  store: Store,
  agent: ResolvedAgent,
  timeoutMs: number,
): Promise<Readiness> {
  if (!agent.runtime.capabilities.screen) return { ready: true, activity: 'ready' };
  let last: AgentRecord | undefined;
  const settled = await pollUntil(
    async () => {
      last = await store.getAgent(agent.address);
      return readinessOf(last, agent.session);
    },
    { timeoutMs, intervalMs: 100, fastStart: true },
  );
  if (settled !== undefined) return settled;
  throw new GtError(
    'GT_WAIT_TIMEOUT',
    `${agent.address} is still ${last?.activity ?? 'starting'} after ${Math.round(timeoutMs / 1000)} s`,
    { hint: `is a daemon running to pass its dialogs? gt why ${agent.address}` },
  );
}
