// Holding an agent that spent its day's budget (agents.<role>.budget): no new prompt is typed
// into it, its process is left alone, a person is told once; the hold lifts at the start of the
// next day, or at once by gt daemon clear-backoff (which lets it go on for the rest of that day).
import type { AgentRecord } from '../../store/store.js';
import type { Budget } from '../../town/settings-spend.js';
import { budgetText } from '../../town/settings-spend.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';
import * as record from '../record.js';
import { PAUSE_KINDS } from './policy.js';
import { tellMayor } from './tell.js';

export const BUDGET_KIND = 'budget';

export type BudgetStep = 'none' | 'hold' | 'lift';

export type BudgetRecord = Pick<AgentRecord, 'failureKind' | 'failureSince' | 'budgetClearedAt'>;

/**
 * Pure: `over` whether today's spend reached the budget (undefined: no budget), `dayStart` the
 * start of today. A hold of an earlier day lifts; a person's clearing today stands until tomorrow.
 */
export function decideBudget(
  r: BudgetRecord,
  over: boolean | undefined,
  dayStart: number,
): BudgetStep {
  if (r.failureKind === BUDGET_KIND)
    return over === true && (r.failureSince ?? 0) >= dayStart ? 'none' : 'lift';
  if (over !== true) return 'none';
  if (r.budgetClearedAt !== null && r.budgetClearedAt >= dayStart) return 'none';
  // Another hold (credentials, a full context) says more; a pause gives way to the budget.
  return r.failureKind === null || PAUSE_KINDS.has(r.failureKind) ? 'hold' : 'none';
}

export interface BudgetReading {
  budget: Budget;
  /** Spent today, in the budget's unit, as text ("$5.02", "2,000,120 tokens"). */
  spentText: string;
}

/** Applies a step; returns whether anything changed. */
export async function applyBudget(
  ctx: AgentContext,
  r: AgentRecord,
  step: BudgetStep,
  reading: BudgetReading | undefined,
): Promise<boolean> {
  if (step === 'none') return false;
  if (step === 'lift') {
    await record.recovered(ctx.store, r.identity);
    await emit(ctx, {
      kind: 'agent.unparked',
      identity: r.identity,
      outcome: 'budget renewed',
      reason: reading === undefined ? 'no budget any more' : 'a new day: its budget starts again',
    });
    return true;
  }
  const limit = reading === undefined ? '' : budgetText(reading.budget);
  const detail = `spent ${reading?.spentText ?? '?'} today, its budget is ${limit} a day`;
  await record.failed(ctx.store, r.identity, {
    kind: BUDGET_KIND,
    detail,
    since: ctx.now(),
    until: null,
    count: 1,
  });
  await emit(ctx, {
    kind: 'agent.failed',
    identity: r.identity,
    outcome: BUDGET_KIND,
    reason: `${detail}; no new prompts until tomorrow or gt daemon clear-backoff`,
  });
  await tellMayor(ctx, {
    subject: `HELD: ${r.identity} (budget)`,
    body: `${r.identity} ${detail}. Nothing new is typed into it until tomorrow; its session is left as it is.\n\nTo let it go on today: gt daemon clear-backoff ${r.identity}`,
  });
  await record.failureNotified(ctx.store, r.identity, ctx.now());
  return true;
}
