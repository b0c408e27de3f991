// Which events a person is told of, and on which channels: pure, over the event and the
// channels. Written into the outbox with the event itself (agents/context.ts's emit).
import type { NewEvent, NewNotification } from '../store/store.js';
import { matchesAddressPattern, parseIdentity } from '../town/identity.js';
import type { NotifyChannel, NotifyKind } from '../town/settings-notify.js';
import { ms } from '../util/duration.js';

export interface Told {
  kind: NotifyKind;
  title: string;
  text: string;
}

const HELD = new Set(['auth', 'context_full', 'budget']);

const lines = (event: NewEvent): string => {
  const got = event.data?.lines;
  return Array.isArray(got) ? got.filter((l) => typeof l === 'string').join('\n') : '';
};

const until = (event: NewEvent): string => {
  const at = event.data?.until;
  return typeof at === 'number' ? ` until ${new Date(at).toISOString()}` : '';
};

/** What an event tells a person, if anything. */
export function toldOf(event: NewEvent): Told | undefined {
  const who = event.identity ?? 'the town';
  const why = event.reason ?? '';
  switch (event.kind) {
    case 'agent.blocked':
      return {
        kind: 'blocked',
        title: `${who} needs input`,
        text: `${why}\n\n${lines(event)}`.trim(),
      };
    case 'agent.failed':
      if (event.outcome === 'rate_limited')
        return { kind: 'rate_limited', title: `${who} is rate limited${until(event)}`, text: why };
      if (HELD.has(event.outcome ?? ''))
        return { kind: 'held', title: `${who} is held (${event.outcome ?? ''})`, text: why };
      return undefined;
    case 'agent.parked':
      return { kind: 'parked', title: `${who} was parked in a crash loop`, text: why };
    case 'agent.stalled':
      return event.outcome === 'marked'
        ? { kind: 'stalled', title: `${who} is stalled`, text: why }
        : undefined;
    case 'request.dead':
      return { kind: 'dead_letter', title: `A request from ${who} was dead-lettered`, text: why };
    case 'agent.activity':
      return event.outcome === 'ready' && event.reason === 'hook'
        ? { kind: 'done', title: `${who} finished its turn`, text: '' }
        : undefined;
    case 'daemon.restarted':
      return {
        kind: 'daemon_restarted',
        title: 'The gastown-ts daemon was restarted after a crash',
        text: why,
      };
    case 'notify.test':
      return { kind: 'test', title: 'gastown-ts test notification', text: why };
    default:
      return undefined;
  }
}

function wantsAgent(channel: NotifyChannel, identity: string | null | undefined): boolean {
  if (channel.agents.length === 0) return true;
  if (identity == null) return false;
  try {
    const id = parseIdentity(identity);
    return channel.agents.some((p) => matchesAddressPattern(p, id));
  } catch {
    return false;
  }
}

/** The town's notify settings as the rules read them. */
export interface NotifySettings {
  channels: readonly NotifyChannel[];
  fold_window: string;
}

/**
 * The notifications an event causes: one per channel that takes its kind and agent, each with
 * its fold (repeats of a kind for an agent on a channel within notify.fold_window are one).
 */
export function notificationsFor(
  event: NewEvent,
  notify: NotifySettings,
  only?: string,
): NewNotification[] {
  if (notify.channels.length === 0) return [];
  const told = toldOf(event);
  if (told === undefined) return [];
  const windowMs = ms(notify.fold_window);
  const at = event.ts ?? Date.now();
  return notify.channels
    .filter((c) => (only === undefined ? c.kinds.includes(told.kind) : c.name === only))
    .filter((c) => told.kind === 'test' || wantsAgent(c, event.identity))
    .map((c) => ({
      channel: c.name,
      kind: told.kind,
      identity: event.identity ?? null,
      title: told.title,
      text: told.text,
      fold:
        windowMs <= 0 || told.kind === 'test'
          ? undefined
          : {
              key: `${c.name}|${told.kind}|${event.identity ?? ''}`,
              windowStart: Math.floor(at / windowMs) * windowMs,
              windowMs,
            },
    }));
}
