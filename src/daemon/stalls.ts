// Carrying out a stall step (agents/stall.ts): the status question typed into the busy agent,
// the mark and the one mail to the mayor, the mark cleared when the agent moves again.
import type { AgentContext } from '../agents/agent.js';
import * as record from '../agents/record.js';
import type { RuntimeProfile } from '../agents/runtime/profile.js';
import type { StallStep } from '../agents/stall.js';
import { STALL_TEXT } from '../agents/stall.js';
import type { AgentRecord, NewEvent, StoredEvent } from '../store/store.js';
import { formatDuration, ms } from '../util/duration.js';

export interface StallDeps extends AgentContext {
  now: () => number;
  onEvent?: ((event: StoredEvent) => void) | undefined;
}

async function emit(deps: StallDeps, event: NewEvent): Promise<void> {
  deps.onEvent?.(await deps.store.recordEvent(event));
}

export async function applyStall(
  deps: StallDeps,
  r: AgentRecord,
  step: StallStep,
  runtime: RuntimeProfile,
): Promise<void> {
  const now = deps.now();
  const after = ms(deps.settings.agents.stall_after);
  const quiet = formatDuration(after);
  switch (step) {
    case 'none':
      return;
    case 'clear':
      await record.recovered(deps.store, r.identity);
      await emit(deps, {
        kind: 'agent.recovered',
        identity: r.identity,
        outcome: 'recovered',
        reason: 'stalled',
      });
      return;
    case 'nudge': {
      const detail = `busy with nothing new on its screen or from its hooks for ${quiet}`;
      // On record before the keys: a daemon that dies between the two never asks twice.
      await record.failed(deps.store, r.identity, {
        kind: 'stalled',
        detail,
        since: now,
        until: now + after,
        count: 1,
      });
      await deps.host.paste(r.session ?? '', STALL_TEXT, runtime.submit);
      await emit(deps, {
        kind: 'agent.stalled',
        identity: r.identity,
        outcome: 'nudged',
        reason: detail,
      });
      return;
    }
    case 'mark':
      await markStalled(deps, r, quiet, now);
      return;
  }
}

async function markStalled(
  deps: StallDeps,
  r: AgentRecord,
  quiet: string,
  now: number,
): Promise<void> {
  const detail = `no progress for ${quiet}, and none for ${quiet} after it was asked for its status`;
  await record.failed(deps.store, r.identity, {
    kind: 'stalled',
    detail,
    since: r.failureSince ?? now,
    until: null,
    count: 2,
  });
  await deps.store.sendMessage({
    from: 'deacon',
    to: 'mayor',
    subject: `STALLED: ${r.identity}`,
    body: `${r.identity} is busy but shows no progress: ${detail}.\n\nIt is not restarted for this. Look at it (gt attach ${r.identity}); restart it with gt session restart ${r.identity} if it hangs.`,
    priority: 'high',
    type: 'notification',
    senderVerified: true,
  });
  await record.failureNotified(deps.store, r.identity, now);
  await emit(deps, {
    kind: 'agent.stalled',
    identity: r.identity,
    outcome: 'marked',
    reason: detail,
  });
}
