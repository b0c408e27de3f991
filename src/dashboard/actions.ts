// What the dashboard's buttons do to one agent: nudge, restart, stop, clear-backoff. Each is the
// same as its command (gt nudge, gt session restart|stop, gt daemon clear-backoff) and records
// an event whose data names the dashboard as its source.
import type { AgentContext } from '../agents/context.js';
import { restartAgent, stopAgent } from '../agents/agent.js';
import { checkPrompt, queueNudge } from '../agents/nudges/queue.js';
import { clearBackoff } from '../agents/failures/clear.js';
import { InputError } from '../errors.js';
import type { NewEvent, StoredEvent } from '../store/store.js';
import type { Address, Identity } from '../town/identity.js';
import type { ResolvedAgent } from '../agents/resolve.js';
import { resolveAgent } from '../agents/resolve.js';
import { poke } from '../util/socket.js';

export const ACTIONS = ['nudge', 'restart', 'stop', 'clear-backoff'] as const;
export type Action = (typeof ACTIONS)[number];

/** Who a nudge from the dashboard is from: the town's overseer acts as the mayor, as gt nudge does. */
const NUDGE_FROM = 'mayor';

export interface ActionContext extends AgentContext {
  daemonSocket: string;
}

export interface ActionResult {
  action: Action;
  address: string;
  outcome: string;
  event: number;
  nudge?: string;
}

export function isAction(word: string): word is Action {
  return (ACTIONS as readonly string[]).includes(word);
}

/** The prompt of a nudge body, or why it is not one. */
export function nudgeText(body: unknown): string {
  const text = (body as { text?: unknown } | null)?.text;
  if (typeof text !== 'string')
    throw new InputError('GT_BAD_BODY', 'the body must be JSON like {"text": "…"}');
  return checkPrompt(text, 'GT_BAD_BODY');
}

/** What every event of a dashboard action says of its source. */
const DASHBOARD = { reason: 'dashboard', data: { source: 'dashboard' } } as const;

function record(ctx: ActionContext, event: NewEvent): Promise<StoredEvent> {
  return ctx.store.recordEvent({
    ...event,
    ...DASHBOARD,
    data: { ...event.data, ...DASHBOARD.data },
  });
}

async function nudge(ctx: ActionContext, address: Address, body: unknown): Promise<ActionResult> {
  const text = nudgeText(body);
  const { nudge: queued, event } = await queueNudge(ctx, {
    to: address,
    from: NUDGE_FROM,
    text,
    ...DASHBOARD,
  });
  return { action: 'nudge', address, outcome: 'queued', event: event.seq, nudge: queued.id };
}

async function restart(ctx: ActionContext, agent: ResolvedAgent): Promise<ActionResult> {
  const { address } = agent;
  const started = await restartAgent(ctx, agent, {
    continuity: { ended: 'restart', detail: 'restarted from the dashboard' },
  });
  const outcome = started.replaced ? 'restarted' : 'started';
  const event = await record(ctx, {
    kind: 'agent.restarted',
    identity: address,
    outcome,
    data: { mode: started.mode },
  });
  // A started agent has dialogs to pass and a prompt to reach: the daemon looks at once.
  await poke(ctx.daemonSocket);
  return { action: 'restart', address, outcome, event: event.seq };
}

async function stop(ctx: ActionContext, agent: ResolvedAgent): Promise<ActionResult> {
  const { address } = agent;
  const outcome = (await stopAgent(ctx, agent)) ? 'stopped' : 'not-running';
  const event = await record(ctx, { kind: 'agent.stopped', identity: address, outcome });
  return { action: 'stop', address, outcome, event: event.seq };
}

/** As gt daemon clear-backoff: forget the restart history, un-park, and ask a held agent to retry. */
async function clearHold(ctx: ActionContext, address: Address): Promise<ActionResult> {
  const { event } = await clearBackoff(ctx, address, DASHBOARD);
  return { action: 'clear-backoff', address, outcome: 'cleared', event: event.seq };
}

/** Carries out `action` on an agent whose address has been checked against the town. */
export function runAction(
  ctx: ActionContext,
  id: Identity,
  action: Action,
  body: unknown,
): Promise<ActionResult> {
  const agent = resolveAgent(ctx, id);
  switch (action) {
    case 'nudge':
      return nudge(ctx, agent.address, body);
    case 'restart':
      return restart(ctx, agent);
    case 'stop':
      return stop(ctx, agent);
    case 'clear-backoff':
      return clearHold(ctx, agent.address);
    default: {
      const never: never = action;
      throw new InputError('GT_BAD_USAGE', `unknown action ${String(never)}`);
    }
  }
}
