// Letting go of an agent's failures: `gt daemon clear-backoff` (and the dashboard's button),
// and a change of the town's settings, which lifts holds for bad credentials (the fix is most
// likely in them: a live agent is cycled into a session that has them, with a note).
import { errorMessage } from '../../errors.js';
import type { NewEvent, StoredEvent } from '../../store/store.js';
import type { Address } from '../../town/identity.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';
import { queueNudge } from '../nudges/queue.js';
import * as record from '../record.js';
import { PROBE_TEXT } from './apply.js';
import { cycleWithNote, restartResuming } from './cycle.js';

/**
 * `gt daemon clear-backoff` (and the dashboard's): the restart history and any hold or pause
 * forgotten; an agent held or paused on what its screen showed is asked to try again at once.
 * `tag`: what the caller adds to the event (who asked).
 */
export async function clearBackoff(
  ctx: Pick<AgentContext, 'root' | 'store' | 'onEvent'>,
  address: Address,
  tag: Pick<NewEvent, 'reason' | 'data'> = {},
): Promise<{ was: string | null; retried: boolean; event: StoredEvent }> {
  const before = await ctx.store.getAgent(address);
  await record.unparked(ctx.store, address);
  // A budget let go of for the rest of the day; nothing to retry (nothing failed).
  const budget = before?.failureKind === 'budget';
  if (budget) await record.budgetCleared(ctx.store, address, Date.now());
  const retried = before?.failureKind != null && before.session !== null && !budget;
  if (retried)
    await queueNudge(ctx, {
      to: address,
      from: 'deacon',
      text: PROBE_TEXT,
      reason: tag.reason ?? 'probe',
      data: tag.data ?? undefined,
    });
  const event = await emit(ctx, {
    kind: 'agent.unparked',
    identity: address,
    outcome: 'cleared',
    ...tag,
  });
  return { was: before?.failureKind ?? null, retried, event };
}

/** Lets go of every agent of this host held for bad credentials; returns how many. */
export async function liftAuthHolds(ctx: AgentContext): Promise<number> {
  const held = (await ctx.store.listAgents()).filter(
    (r) => r.failureKind === 'auth' && r.host === ctx.hostName,
  );
  for (const r of held) {
    try {
      await record.unparked(ctx.store, r.identity);
      await emit(ctx, {
        kind: 'agent.unparked',
        identity: r.identity,
        outcome: 'settings changed',
        reason: `held for auth (${r.failureDetail ?? ''}); the town's settings changed`,
      });
      const live = r.session !== null && (await ctx.host.find(r.session)) !== undefined;
      const detail = "the town's settings changed after a hold for its credentials";
      if (live && r.desired === 'running' && !(await restartResuming(ctx, r, detail)))
        await cycleWithNote(ctx, r, {
          subject: 'settings changed',
          why: `Your predecessor could not use its model service (${r.failureDetail ?? 'bad credentials'}). The town's settings changed since, so the daemon started you fresh with them.`,
          lines: await ctx.host.capture(r.session ?? '', 40).catch(() => []),
          reason: 'auth hold lifted: settings changed',
        });
    } catch (err) {
      await emit(ctx, {
        kind: 'agent.check-failed',
        identity: r.identity,
        reason: errorMessage(err),
      });
    }
  }
  return held.length;
}
