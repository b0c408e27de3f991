// The daemon's notification sender: takes due notifications from the outbox and delivers each to
// its channel (channels.ts) with a time limit, retries with a doubling delay, dead-letters after
// notify.max_attempts. It runs beside the daemon's passes, never in them: a receiver that hangs,
// refuses or fails costs the sender its time limit, never the daemon a heartbeat. Every
// delivery carries X-GT-Notification-Id, so a receiver can drop a repeat that a timeout (or a
// sender killed mid-delivery) makes possible.
import type { Notification, NotificationResult, Store } from '../store/store.js';
import type { NotifyChannel } from '../town/settings-notify.js';
import type { Settings } from '../town/settings.js';
import { ms } from '../util/duration.js';
import type { Attempt } from './channels.js';
import { deliverOn } from './channels.js';

/** How often the sender looks for due notifications while channels are set. */
export const SEND_EVERY_MS = 250;
/** The period of notify.rate_limit. */
const RATE_WINDOW_MS = 60_000;
/** Notifications taken per look. */
const BATCH = 20;
/** Deliveries under way at most (a hanging channel's among them), so a flood cannot pile up. */
const MAX_IN_FLIGHT = 100;

export interface SenderDeps {
  store: Store;
  settings: () => Settings;
  now: () => number;
  /** Where the sender's own troubles go (the daemon's log); never thrown. */
  onError: (what: string, err: unknown) => void;
}

/** What an attempt's outcome makes of a notification. */
export function resultOf(
  n: Notification,
  attempt: Attempt,
  settings: Settings,
  now: number,
): NotificationResult {
  const { error } = attempt;
  if (error === undefined) return { kind: 'delivered' };
  if (attempt.permanent === true) return { kind: 'dead', error };
  const { max_attempts: max, backoff, backoff_max: backoffMax } = settings.notify;
  if (n.attempts >= max) return { kind: 'dead', error: `${error} (after ${n.attempts} tries)` };
  const delay = Math.min(ms(backoff) * 2 ** Math.max(0, n.attempts - 1), ms(backoffMax));
  return { kind: 'retry', error, nextAttemptAt: now + delay };
}

export class NotificationSender {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** When each channel was last sent to, within the last minute (notify.rate_limit). */
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly deps: SenderDeps) {}

  /** Whether `channel` may be sent one more now; if not, when it may. */
  private allowance(channel: string, limit: number, now: number): number | undefined {
    const recent = (this.sent.get(channel) ?? []).filter((t) => t > now - RATE_WINDOW_MS);
    this.sent.set(channel, recent);
    if (recent.length < limit) {
      recent.push(now);
      return undefined;
    }
    return (recent[0] ?? now) + RATE_WINDOW_MS;
  }

  start(): void {
    this.schedule();
  }

  /** Looks now (new events may have written notifications). */
  poke(): void {
    if (this.stopped || this.current !== undefined) return;
    clearTimeout(this.timer);
    this.current = this.look().finally(() => {
      this.current = undefined;
      this.schedule();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
    await this.settled();
  }

  /** Resolves once every delivery under way has been settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poke(), SEND_EVERY_MS);
    this.timer.unref();
  }

  /** One look: every due notification sent on its way (settled() waits for them). Never throws. */
  async look(): Promise<void> {
    const settings = this.deps.settings();
    const channels = settings.notify.channels;
    if (channels.length === 0) return;
    const timeoutMs = ms(settings.notify.timeout);
    const room = MAX_IN_FLIGHT - this.inFlight.size;
    if (room <= 0) return;
    try {
      const now = this.deps.now();
      const due = await this.deps.store.claimNotifications({
        now,
        leaseMs: timeoutMs + 5_000,
        limit: Math.min(BATCH, room),
      });
      // Each on its own: a channel that hangs holds up its own deliveries, never the others'
      // (its claims keep the next looks from taking them again).
      for (const n of due) {
        const delivery: Promise<void> = this.deliver(n, channels, settings, timeoutMs).finally(() =>
          this.inFlight.delete(delivery),
        );
        this.inFlight.add(delivery);
      }
    } catch (err) {
      this.deps.onError('notifications: a look failed', err);
    }
  }

  private async deliver(
    n: Notification,
    channels: readonly NotifyChannel[],
    settings: Settings,
    timeoutMs: number,
  ): Promise<void> {
    const channel = channels.find((c) => c.name === n.channel);
    const wait =
      channel === undefined
        ? undefined
        : this.allowance(channel.name, settings.notify.rate_limit, this.deps.now());
    if (wait !== undefined) {
      await this.settle(n, { kind: 'defer', nextAttemptAt: wait });
      return;
    }
    const attempt: Attempt =
      channel === undefined
        ? { error: `no channel named ${n.channel} in notify.channels`, permanent: true }
        : await deliverOn(channel, n, timeoutMs);
    await this.settle(n, resultOf(n, attempt, settings, this.deps.now()));
  }

  private async settle(n: Notification, result: NotificationResult): Promise<void> {
    try {
      await this.deps.store.settleNotification(n.id, result, this.deps.now());
    } catch (err) {
      this.deps.onError(`notifications: settling ${n.id} failed`, err);
    }
  }
}
