// What every act on an agent runs with: the town, its settings, tmux, the store, the clock and
// where events go. One constructor makes it for a command, the daemon adds the owner its
// claims are held under; one emit records an event and hands it on.
import type { SessionHost } from '../sessions/host.js';
import type { NewEvent, Store, StoredEvent } from '../store/store.js';
import type { Settings } from '../town/settings.js';
import type { GtInvocation } from './gt-command.js';
import { townHost } from './host.js';
import { notificationsFor } from '../notify/rules.js';

/** The instants at which the exactly-once tests may kill the process (see lifecycle/crash.ts). */
export type CrashStep =
  | 'claimed'
  | 'recorded'
  | 'stopped'
  | 'spawned'
  | 'started'
  | 'acted'
  /** A prompt claimed for typing, before the paste. */
  | 'nudge-claimed'
  /** The paste done, before the text is seen in the input. */
  | 'nudge-pasted'
  /** The text seen (and one Enter claimed), before the Enter. */
  | 'nudge-seen';

export interface AgentContext {
  /** Town root. */
  root: string;
  settings: Settings;
  host: SessionHost;
  store: Store;
  /** Host this process acts for (settings.daemon.host); sessions are registered to it. */
  hostName: string;
  now: () => number;
  /** Called with every event recorded through emit() (the daemon logs them, the demo prints them). */
  onEvent?: ((event: StoredEvent) => void) | undefined;
  /** Called at each step boundary; the exactly-once tests make it kill the process there. */
  crashPoint?: ((step: CrashStep) => void) | undefined;
  /** This gt, for the agent's PATH and status line; absent, sessions get neither. */
  gt?: GtInvocation | undefined;
}

/** The daemon's context: an agent context and the owner its claims are held under. */
export interface DaemonDeps extends AgentContext {
  owner: string;
}

export interface ContextParts {
  root: string;
  settings: Settings;
  store: Store;
  host?: SessionHost | undefined;
  gt?: GtInvocation | undefined;
  now?: (() => number) | undefined;
  onEvent?: ((event: StoredEvent) => void) | undefined;
  crashPoint?: ((step: CrashStep) => void) | undefined;
}

/** The agent context of a town: its tmux host and host name from its settings, unless given. */
export function agentContext(parts: ContextParts): AgentContext {
  const { root, settings } = parts;
  return {
    ...parts,
    host: parts.host ?? townHost(root, settings),
    hostName: settings.daemon.host,
    now: parts.now ?? Date.now,
  };
}

/**
 * Records an event, with the notifications it causes on the town's channels (in the same
 * transaction: none is lost or written without its event), and hands it to the listener.
 */
export async function emit(
  ctx: Pick<AgentContext, 'store' | 'onEvent'> & { settings?: Settings },
  event: NewEvent,
): Promise<StoredEvent> {
  const settings = ctx.settings?.notify;
  const notify = settings === undefined ? [] : notificationsFor(event, settings);
  const stored = await ctx.store.recordEvent(event, notify);
  ctx.onEvent?.(stored);
  return stored;
}
