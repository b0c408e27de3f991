// What an agent's own hooks report (`gt agent report …`): a prompt submitted (busy, and the
// queued prompt it carries delivered), a turn ended (ready), a notification (a question for
// the user: blocked). The hooks' word is the activity until they say otherwise.
import type { NewEvent, Store, StoredEvent } from '../store/store.js';
import type { Address } from '../town/identity.js';
import { nudgeInPrompt } from './nudges/decide.js';
import * as record from './record.js';
import type { ConversationPayload } from './continuity.js';
import { noteConversation } from './continuity.js';
import type { NotifySettings } from '../notify/rules.js';
import { notificationsFor } from '../notify/rules.js';

export const HOOK_EVENTS = ['prompt', 'stop', 'notification', 'compact'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** The parts of a hook's JSON (on its standard input) that matter here. */
export interface HookPayload extends ConversationPayload {
  prompt?: unknown;
  notification_type?: unknown;
  message?: unknown;
}

/** A notification that the agent waits for a person's yes: Claude Code's word, Gemini CLI's. */
const PERMISSION_NOTIFICATIONS: ReadonlySet<string> = new Set([
  'permission_prompt',
  'ToolPermission',
]);

/** The activity a hook event means. */
export function activityOfHook(
  event: HookEvent,
  payload: HookPayload,
): { activity: 'busy' | 'ready' | 'blocked'; detail: string | null } {
  switch (event) {
    case 'prompt':
      return { activity: 'busy', detail: null };
    case 'stop':
      return { activity: 'ready', detail: null };
    case 'compact':
      return { activity: 'busy', detail: 'compacting its context' };
    case 'notification':
      return PERMISSION_NOTIFICATIONS.has(String(payload.notification_type))
        ? {
            activity: 'blocked',
            detail:
              typeof payload.message === 'string' ? payload.message : 'a question for the user',
          }
        : { activity: 'ready', detail: null };
  }
}

export async function reportHook(
  store: Store,
  address: Address,
  event: HookEvent,
  payload: HookPayload,
  now: number,
  notify: NotifySettings = { channels: [], fold_window: '0s' },
): Promise<StoredEvent[]> {
  const events: NewEvent[] = [];
  const current = await store.getAgent(address);
  const { activity, detail } = activityOfHook(event, payload);
  if (current?.activity !== activity || current.activitySource !== 'hook') {
    const since = current?.activity === activity ? (current.activitySince ?? now) : now;
    await record.activityChanged(store, address, { activity, source: 'hook', detail, since });
    events.push({ kind: 'agent.activity', identity: address, outcome: activity, reason: 'hook' });
  }
  if (event === 'prompt' && typeof payload.prompt === 'string') {
    const pending = await store.listNudges({ to: address, statuses: ['typing', 'typed'] });
    const nudge = nudgeInPrompt(pending, payload.prompt);
    const patch = { status: 'delivered' as const, deliveredAt: now, ack: 'hook' };
    if (
      nudge !== undefined &&
      (await store.updateNudge(nudge.id, ['typing', 'typed'], patch, now)) !== undefined
    )
      events.push({
        kind: 'nudge.delivered',
        identity: address,
        outcome: 'delivered',
        reason: 'hook',
        data: { nudge: nudge.id },
      });
  }
  // A turn's end may notify (notify kind `done`), in the same transaction as its event.
  const stored = await Promise.all(
    events.map((e) => store.recordEvent(e, notificationsFor(e, notify))),
  );
  return [...stored, ...(await noteConversation(store, address, payload, current))];
}
