// The daemon's reading of what its agents spend: after a hook says a turn ended (a poke) and at
// each heartbeat, what is new in each agent's runtime file is recorded (spend/collect.ts), then
// each agent with a budget is held or let go (agents/failures/budget.ts). Passes never overlap
// and come at most every MIN_GAP_MS; a file still being written is read again a moment later.
import type { AgentContext } from '../agents/context.js';
import { emit } from '../agents/context.js';
import type { BudgetReading } from '../agents/failures/budget.js';
import { applyBudget, decideBudget } from '../agents/failures/budget.js';
import { errorMessage } from '../errors.js';
import type { AgentRecord } from '../store/store.js';
import { parseIdentity } from '../town/identity.js';
import { budgetText, parseBudget } from '../town/settings-spend.js';
import { collectAgents } from '../spend/collect.js';
import { againstBudget, dayStart, dollars, spendBy, totalOf } from '../spend/summary.js';

/** Least time between two passes: a burst of turns ending costs one pass. */
export const MIN_GAP_MS = 1_000;
/** A pass that found something new looks again this much later (the rest of a turn's lines). */
export const SETTLE_MS = 2_000;

export class SpendWatch {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private lastPass = 0;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: AgentContext,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A pass soon (now, or once MIN_GAP_MS since the last has gone by). */
  poke(): void {
    if (this.stopped) return;
    if (this.current !== undefined) {
      this.again = true;
      return;
    }
    const wait = Math.max(0, this.lastPass + MIN_GAP_MS - this.deps.now());
    if (this.timer !== undefined && wait > 0) return; // one is due already
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), wait);
  }

  useSettings(settings: AgentContext['settings']): void {
    this.deps.settings = settings;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private run(): void {
    this.timer = undefined;
    this.current = this.pass()
      .then((found) => {
        if (found > 0 && !this.stopped) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.run(), SETTLE_MS);
        }
      })
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.current = undefined;
        this.lastPass = this.deps.now();
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** One pass; resolves how many replies were new. */
  async pass(): Promise<number> {
    const { store, hostName } = this.deps;
    const now = this.deps.now();
    const agents = (await store.listAgents()).filter((r) => r.host === hostName);
    const found = await collectAgents(store, agents, now, this.onError);
    for (const r of agents) {
      try {
        await this.checkBudget(r, now);
      } catch (err) {
        await emit(this.deps, {
          kind: 'agent.check-failed',
          identity: r.identity,
          reason: `budget: ${errorMessage(err)}`,
        });
      }
    }
    return found;
  }

  private async checkBudget(r: AgentRecord, now: number): Promise<void> {
    const text = this.deps.settings.agents[parseIdentity(r.identity).role].budget;
    const budget = text === null ? undefined : parseBudget(text);
    if (budget === undefined && r.failureKind !== 'budget') return;
    const start = dayStart(now);
    let reading: BudgetReading | undefined;
    let over: boolean | undefined;
    if (budget !== undefined) {
      const sums = await this.deps.store.sumUsage({ identity: r.identity, since: start });
      const line = totalOf(spendBy(sums, 'agent', this.deps.settings.prices));
      const against = againstBudget(line, budget);
      over = against.over;
      const spentText =
        'dollars' in budget ? dollars(against.spent) : budgetText({ tokens: against.spent });
      reading = { budget, spentText };
    }
    await applyBudget(this.deps, r, decideBudget(r, over, start), reading);
  }
}
