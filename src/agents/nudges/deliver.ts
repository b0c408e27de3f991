// Carrying out the next step of an agent's oldest queued prompt (decide.ts decides it).
// Every change is made only from the status it was decided on, so two daemons, or a hook and
// the daemon, never both act on one prompt. The order of record and act is what keeps a
// daemon killed at any instant from losing a prompt or typing it twice: the claim is recorded
// before the paste, the sight of the text in the input before the Enter.
import type { AgentRecord, NewEvent, Nudge } from '../../store/store.js';
import { SessionNotFoundError } from '../../sessions/errors.js';
import type { SessionInfo } from '../../sessions/host.js';
import { sleep } from '../../util/wait.js';
import type { AgentContext } from '../context.js';
import { emit } from '../context.js';
import type { RuntimeProfile, ScreenReading } from '../runtime/profile.js';
import type { NudgeStep } from './decide.js';
import { decideNudge, inputHolds, PASTE_SHOW_MS } from './decide.js';

/** How often the daemon that pasted looks for the text in the input. */
const SHOW_POLL_MS = 20;

type Tags = Pick<NewEvent, 'identity' | 'data'>;

export async function deliverNudge(
  deps: AgentContext,
  agent: AgentRecord,
  runtime: RuntimeProfile,
  reading: ScreenReading,
  nudge: Nudge,
): Promise<void> {
  const session = agent.session ?? '';
  const now = deps.now();
  const tags: Tags = { identity: agent.identity, data: { nudge: nudge.id } };
  if (!runtime.capabilities.screen) return typeBlind(deps, session, runtime, nudge, tags);
  const step = decideNudge(nudge, {
    reading,
    session,
    now,
    hooks: runtime.hooks !== null,
    idleSince: agent.activity === 'ready' ? agent.activitySince : null,
  });
  await apply(deps, step, { session, runtime, nudge, tags });
}

interface Target {
  session: string;
  runtime: RuntimeProfile;
  nudge: Nudge;
  tags: Tags;
}

async function apply(deps: AgentContext, step: NudgeStep, t: Target): Promise<void> {
  const { nudge, tags } = t;
  const now = deps.now();
  switch (step.kind) {
    case 'wait':
      return;
    case 'type':
      return typeNudge(deps, t);
    case 'seen':
      return submit(deps, t, 'typing', now);
    case 'enter': {
      const again = await deps.store.updateNudge(
        nudge.id,
        ['typed'],
        { attempts: nudge.attempts + 1 },
        now,
      );
      if (again !== undefined) await deps.host.sendKeys(t.session, t.runtime.submit.keys);
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
    case 'requeue': {
      const patch = {
        status: 'queued' as const,
        session: null,
        attempts: 0,
        typedAt: null,
        seenAt: null,
      };
      if ((await deps.store.updateNudge(nudge.id, [nudge.status], patch, now)) !== undefined)
        await emit(deps, { kind: 'nudge.requeued', outcome: 'queued', reason: step.why, ...tags });
      return;
    }
    case 'fail':
      return fail(deps, nudge, step.error, tags);
  }
}

async function fail(deps: AgentContext, nudge: Nudge, error: string, tags: Tags): Promise<void> {
  const now = deps.now();
  const patch = { status: 'failed' as const, error };
  if ((await deps.store.updateNudge(nudge.id, [nudge.status], patch, now)) !== undefined)
    await emit(deps, { kind: 'nudge.failed', outcome: 'failed', reason: error, ...tags });
}

/**
 * Claims the prompt, pastes it, and once the text shows in the input (and the CLI's time
 * between paste and Enter has passed) submits it. A paste not seen in time is left to the
 * next looks: seen there, it is submitted; never seen, it is typed again.
 */
async function typeNudge(deps: AgentContext, t: Target): Promise<void> {
  const claimed = await deps.store.updateNudge(
    t.nudge.id,
    ['queued'],
    { status: 'typing', session: t.session, attempts: 0, typedAt: deps.now(), seenAt: null },
    deps.now(),
  );
  if (claimed === undefined) return;
  deps.crashPoint?.('nudge-claimed');
  await deps.host.paste(t.session, t.nudge.text, { keys: [], delayMs: 0 });
  deps.crashPoint?.('nudge-pasted');
  const pasted = performance.now();
  // Not looked for before it can be submitted anyway: a look that early mostly finds nothing yet.
  await sleep(Math.max(t.runtime.submit.delayMs, SHOW_POLL_MS));
  const seenAt = await waitForInput(deps, t);
  if (seenAt === undefined) return;
  const wait = t.runtime.submit.delayMs - (performance.now() - pasted);
  if (wait > 0) await sleep(wait);
  await submit(deps, { ...t, nudge: claimed }, 'typing', seenAt);
}

/** When the text was first seen in the agent's input, or undefined if not within PASTE_SHOW_MS. */
async function waitForInput(deps: AgentContext, t: Target): Promise<number | undefined> {
  const until = performance.now() + PASTE_SHOW_MS;
  for (;;) {
    const lines = (await deps.host.screens([t.session])).get(t.session);
    if (lines === undefined) return undefined;
    const reading = t.runtime.read(lines);
    const input = reading.activity === 'ready' || reading.activity === 'busy' ? reading.input : '';
    if (inputHolds(input, t.nudge.text)) return deps.now();
    if (performance.now() >= until) return undefined;
    await sleep(SHOW_POLL_MS);
  }
}

/** Records the text seen in the input (and one Enter claimed), then presses Enter. */
async function submit(
  deps: AgentContext,
  t: Target,
  from: 'typing' | 'typed',
  seenAt: number,
): Promise<void> {
  const now = deps.now();
  const patch = { status: 'typed' as const, seenAt, attempts: 1 };
  if ((await deps.store.updateNudge(t.nudge.id, [from], patch, now)) === undefined) return;
  deps.crashPoint?.('nudge-seen');
  await deps.host.sendKeys(t.session, t.runtime.submit.keys);
  await emit(deps, { kind: 'nudge.typed', outcome: 'typed', ...t.tags });
}

/** Whether the session is gone, or another process runs in it than before. */
async function replaced(
  deps: AgentContext,
  session: string,
  before: SessionInfo | undefined,
): Promise<boolean> {
  const after = await deps.host.find(session).catch(() => undefined);
  return after === undefined || before === undefined || after.panePid !== before.panePid;
}

/**
 * A program gastown-ts cannot read (the shell runtime): typed and submitted at once, and
 * settled with ack "typed", the only evidence there is. A claim left by a daemon that died is
 * not typed again: the text may be in the program already.
 */
async function typeBlind(
  deps: AgentContext,
  session: string,
  runtime: RuntimeProfile,
  nudge: Nudge,
  tags: Tags,
): Promise<void> {
  const now = deps.now();
  if (nudge.status !== 'queued' && nudge.session !== session)
    return apply(
      deps,
      { kind: 'requeue', why: 'the agent was restarted' },
      { session, runtime, nudge, tags },
    );
  if (nudge.status !== 'queued') {
    const error =
      'the daemon stopped while typing it into a program gt cannot read: whether it arrived is unknown';
    return fail(deps, nudge, error, tags);
  }
  // Which process the text goes to, asked before the claim (a tmux that fails here fails
  // nothing): a paste that fails is then told apart from one into a replaced session.
  const before = await deps.host.find(session);
  const claim = { status: 'typing' as const, session, attempts: 1, typedAt: now };
  const claimed = await deps.store.updateNudge(nudge.id, ['queued'], claim, now);
  if (claimed === undefined) return;
  try {
    await deps.host.paste(session, nudge.text, runtime.submit);
  } catch (err) {
    // No session to type into, or a new one in its place (a handoff replaced it meanwhile, and
    // tmux failed the paste): nothing reached the live program, so the prompt waits for it
    // rather than failing as unknown.
    if (!(err instanceof SessionNotFoundError) && !(await replaced(deps, session, before)))
      throw err;
    const why = 'its session was gone or replaced when it was typed';
    return apply(deps, { kind: 'requeue', why }, { session, runtime, nudge: claimed, tags });
  }
  const patch = { status: 'delivered' as const, deliveredAt: deps.now(), ack: 'typed' };
  if ((await deps.store.updateNudge(nudge.id, ['typing'], patch, deps.now())) !== undefined)
    await emit(deps, { kind: 'nudge.delivered', outcome: 'delivered', reason: 'typed', ...tags });
}
