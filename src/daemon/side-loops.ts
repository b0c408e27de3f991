// What runs beside the daemon's passes, each on its own timer and never in a pass: the watcher
// (agents' screens, dialogs, prompts to type), the notification sender, and the reading of
// what agents spend. The daemon pokes them; none of them throws into it.
import type { DaemonDeps } from '../agents/context.js';
import { errorMessage } from '../errors.js';
import { NotificationSender } from '../notify/sender.js';
import type { Settings } from '../town/settings.js';
import type { Logger } from './logger.js';
import { SpendWatch } from './spend-watch.js';
import { Watcher } from './watch.js';

export class SideLoops {
  private readonly watcher: Watcher;
  private readonly sender: NotificationSender;
  private readonly spend: SpendWatch;

  /** `deps()` makes a fresh context for each loop (each keeps its own settings). */
  constructor(deps: () => DaemonDeps, settings: () => Settings, log: Logger) {
    const warn = (what: string) => (err: unknown) =>
      log.log('warn', what, { error: errorMessage(err) });
    this.watcher = new Watcher(deps(), warn('watching agents failed; looking again soon'));
    const { store, now } = deps();
    this.sender = new NotificationSender({
      store,
      settings,
      now,
      onError: (what, err) => warn(what)(err),
    });
    this.spend = new SpendWatch(deps(), warn('reading spend failed'));
  }

  start(): void {
    this.watcher.poke();
    this.sender.start();
    this.spend.poke();
  }

  /** The agents may have changed: look at their screens now. */
  pokeWatcher(): void {
    this.watcher.poke();
  }

  /** An event may have written notifications: the sender looks at once. */
  pokeSender(): void {
    this.sender.poke();
  }

  /**
   * A wake of the daemon: a poke may be a prompt queued for an agent or an event another process
   * recorded with notifications (watcher and sender look); any but a retry may be a turn that
   * ended, whose spend is in its file now. A turn that began (a hook's report) wakes only the
   * sender.
   */
  woken(reason: string): void {
    if (reason === 'turn-began') {
      // A hook told a turn began: notifications its events made go out, and a look due soon
      // only for the prompt it acknowledged is put off; nothing else is new.
      this.sender.poke();
      void this.watcher.cool();
      return;
    }
    if (reason !== 'heartbeat' && reason !== 'retry') {
      this.watcher.poke();
      this.sender.poke();
    }
    if (reason !== 'retry') this.spend.poke();
  }

  useSettings(next: Settings): void {
    this.watcher.useSettings(next);
    this.spend.useSettings(next);
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.sender.stop();
    await this.spend.stop();
  }
}
