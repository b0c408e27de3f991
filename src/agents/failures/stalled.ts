// Carrying out a stall step (stall.ts): the status question typed into the busy agent, the
// mark and the one mail to the mayor, the mark cleared when the agent moves again.
import type { AgentRecord } from '../../store/store.js';
import { formatDuration, ms } from '../../util/duration.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';
import * as record from '../record.js';
import type { RuntimeProfile } from '../runtime/profile.js';
import type { StallStep } from './stall.js';
import { STALL_TEXT } from './stall.js';
import { tellMayor } from './tell.js';

export async function applyStall(
  deps: AgentContext,
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
  deps: AgentContext,
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
  await tellMayor(deps, {
    subject: `STALLED: ${r.identity}`,
    body: `${r.identity} is busy but shows no progress: ${detail}.\n\nIt is not restarted for this. Look at it (gt attach ${r.identity}); restart it with gt session restart ${r.identity} if it hangs.`,
  });
  await record.failureNotified(deps.store, r.identity, now);
  await emit(deps, {
    kind: 'agent.stalled',
    identity: r.identity,
    outcome: 'marked',
    reason: detail,
  });
}
