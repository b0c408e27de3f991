// Carrying out the next step of an agent's oldest queued prompt (agents/nudge.ts decides it).
// Every change is made only from the status it was decided on, so two daemons, or a hook and
// the daemon, never both act on one prompt; the text is typed once per session.
import type { AgentContext } from '../agents/agent.js';
import { decideNudge } from '../agents/nudge.js';
import type { RuntimeProfile, ScreenReading } from '../agents/runtime/profile.js';
import type { AgentRecord, NewEvent, Nudge, StoredEvent } from '../store/store.js';

export interface NudgeDeps extends AgentContext {
  now: () => number;
  onEvent?: ((event: StoredEvent) => void) | undefined;
}

async function emit(deps: NudgeDeps, event: NewEvent): Promise<void> {
  deps.onEvent?.(await deps.store.recordEvent(event));
}

export async function deliverNudge(
  deps: NudgeDeps,
  agent: AgentRecord,
  runtime: RuntimeProfile,
  reading: ScreenReading,
  nudge: Nudge,
): Promise<void> {
  const session = agent.session ?? '';
  const now = deps.now();
  const step = decideNudge(nudge, { reading, session, now, hooks: runtime.hooks !== null });
  const tags = { identity: agent.identity, data: { nudge: nudge.id } };
  switch (step.kind) {
    case 'wait':
      return;
    case 'type': {
      // Recorded before the paste: a daemon that dies between the two never types it again.
      const typed = await deps.store.updateNudge(
        nudge.id,
        ['queued'],
        { status: 'typed', session, attempts: 1, typedAt: now },
        now,
      );
      if (typed === undefined) return;
      await deps.host.paste(session, nudge.text, runtime.submit);
      await emit(deps, { kind: 'nudge.typed', outcome: 'typed', ...tags });
      return;
    }
    case 'enter': {
      const again = await deps.store.updateNudge(
        nudge.id,
        ['typed'],
        { attempts: nudge.attempts + 1 },
        now,
      );
      if (again !== undefined) await deps.host.sendKeys(session, runtime.submit.keys);
      return;
    }
    case 'delivered': {
      const patch = { status: 'delivered' as const, deliveredAt: now, ack: 'screen' };
      if ((await deps.store.updateNudge(nudge.id, ['typed'], patch, now)) !== undefined)
        await emit(deps, {
          kind: 'nudge.delivered',
          outcome: 'delivered',
          reason: 'screen',
          ...tags,
        });
      return;
    }
    case 'requeue':
      await deps.store.updateNudge(nudge.id, ['typed'], { status: 'queued', session: null }, now);
      return;
    case 'fail':
      if (
        (await deps.store.updateNudge(
          nudge.id,
          ['typed'],
          { status: 'failed', error: step.error },
          now,
        )) !== undefined
      )
        await emit(deps, { kind: 'nudge.failed', outcome: 'failed', reason: step.error, ...tags });
      return;
  }
}
