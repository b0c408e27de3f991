// notify.*: where the town tells a person what needs them (channels), and how hard the
// daemon's sender tries. Shapes only; the rules of what notifies are in src/notify/rules.ts.
import * as z from 'zod/mini';
import { addressPatternProblem } from './identity.js';

/** What a notification is about; `done` (an agent idle after a turn) only where asked for. */
export const NOTIFY_KINDS = [
  'blocked',
  'held',
  'parked',
  'rate_limited',
  'stalled',
  'dead_letter',
  'daemon_restarted',
  'done',
  'test',
] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** What a channel gets when it names no kinds. */
export const DEFAULT_NOTIFY_KINDS: readonly NotifyKind[] = NOTIFY_KINDS.filter((k) => k !== 'done');

/** The channel types: what each sends (src/notify/channels.ts). */
export const CHANNEL_TYPES = ['webhook', 'ntfy', 'command', 'desktop'] as const;

/** The channel's schema, made by settings-schema.ts's when it is first needed (not at every start). */
export function notifyChannel() {
  const httpUrl = z.string().check(
    z.refine((u) => {
      try {
        const url = new URL(u);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    }, 'an http:// or https:// URL'),
  );

  const headerName = z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name'));

  const patterns = z.array(
    z
      .string()
      .check(
        z.refine(
          (p) => addressPatternProblem(p) === undefined,
          'an address or a pattern like alpha/crew/*',
        ),
      ),
  );

  const notifyChannel = z
    .strictObject({
      name: z
        .string()
        .check(
          z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a channel name: lowercase letters, digits, - _'),
        ),
      /**
       * webhook: a JSON POST with a `text` field (Slack-style incoming webhooks accept it); ntfy:
       * a POST to a topic URL with title, priority and tags; command: a program of the user's,
       * the notification as JSON on its standard input; desktop: notify-send where it exists.
       */
      type: z.enum(CHANNEL_TYPES),
      url: z.optional(httpUrl),
      headers: z._default(z.record(headerName, z.string().check(z.maxLength(4096))), {}),
      /** command: the program and its arguments, run without a shell. */
      command: z.optional(
        z.array(z.string().check(z.minLength(1), z.maxLength(4096))).check(z.minLength(1)),
      ),
      /** ntfy: the priority (1 lowest … 5 urgent; default by kind). */
      priority: z.optional(z.int().check(z.minimum(1), z.maximum(5))),
      kinds: z._default(z.array(z.enum(NOTIFY_KINDS)), [...DEFAULT_NOTIFY_KINDS]),
      /** Address patterns (as daemon.keep_alive's); empty: every agent. */
      agents: z._default(patterns, []),
    })
    .check(
      z.refine(
        (c) => (c.type === 'webhook' || c.type === 'ntfy' ? c.url !== undefined : true),
        'a webhook or ntfy channel needs its url',
      ),
      z.refine(
        (c) => (c.type === 'command' ? c.command !== undefined : true),
        'a command channel needs its command: ["program", "arg", …]',
      ),
    );
  return notifyChannel;
}

export type NotifyChannel = z.output<ReturnType<typeof notifyChannel>>;
