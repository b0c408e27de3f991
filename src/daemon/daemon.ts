// The town daemon: holds the host lock, wakes on a poke, SIGUSR1 (wired by the CLI) or
// its heartbeat, carries out lifecycle requests, and keeps the keep-alive set running.
import { rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { errorMessage } from '../errors.js';
import type { CrashStep } from '../agents/context.js';
import type { GtInvocation } from '../agents/gt-command.js';
import type { AgentContext, DaemonDeps } from '../agents/context.js';
import { emit } from '../agents/context.js';
import { executeClaimed } from '../lifecycle/execute.js';
import type { SessionHost } from '../sessions/host.js';
import { isTmuxUnavailable } from '../sessions/tmux.js';
import type { NewEvent, Store, StoredEvent, Unsubscribe } from '../store/store.js';
import { townPaths } from '../town/layout.js';
import type { Settings } from '../town/settings.js';
import { ms } from '../util/duration.js';
import { writeJsonAtomic } from '../util/fs.js';
import { keepAlive } from './keepalive.js';
import { SideLoops } from './side-loops.js';
import type { DaemonLock } from './lock.js';
import { acquireLock, takeOverLock } from './lock.js';
import { townMark } from './town-mark.js';
import { HeartbeatState, previousCrash, purgeOld } from './housekeeping.js';
import { listenForPokes } from './poke-server.js';
import type { HookAnswerDeps } from './hook-answer.js';
import { answerRequest } from './hook-answer.js';
import { SettingsWatch } from './settings-watch.js';
import { PassFailures } from './pass-failures.js';
import { liftAuthHolds } from '../agents/failures/clear.js';
import { runByAgent } from './by-agent.js';
import { GT_VERSION, gtBuild } from '../version.js';
import type { Logger } from './logger.js';

export const DEACON = 'deacon';
const CLAIM_BATCH = 64;
/** Requests of different agents run side by side, each agent's in order. */
const AGENT_CONCURRENCY = 16;

export interface DaemonOptions {
  root: string;
  settings: Settings;
  store: Store;
  host: SessionHost;
  hostName: string;
  log: Logger;
  now?: () => number;
  onEvent?: (event: StoredEvent) => void;
  /** The exactly-once tests' fault injection (lifecycle/crash.ts); absent in normal runs. */
  crashPoint?: ((step: CrashStep) => void) | undefined;
  /** This gt, for the agents' PATH and status lines. */
  gt?: GtInvocation | undefined;
  /** Run by a service manager: takes the town over from an unsupervised daemon. */
  supervised?: boolean;
  /** `gt daemon restart`: takes the town over from the running unsupervised daemon. */
  takeOver?: boolean;
  /** Says `gt status [--json]` for a caller of the socket (status/ lives above the daemon). */
  statusAnswer?: (settings: Settings, json: boolean) => Promise<string>;
}

export const DAEMON_STATES = {
  created: 'created',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
} as const;
export type DaemonState = (typeof DAEMON_STATES)[keyof typeof DAEMON_STATES];

export class Daemon {
  readonly owner: string;
  readonly startedAt: number;
  private state: DaemonState = DAEMON_STATES.created;
  private lock: DaemonLock | undefined;
  private pokeServer: Server | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private loops: SideLoops | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: Unsubscribe | undefined;
  /** Passes failed in a row, and why the last one did: the daemon retries them by itself. */
  private readonly failures: PassFailures;
  private wakeRequested = false;
  private heartbeatDue = true;
  /** A command found the settings file changed: the next pass takes it up. */
  private settingsDue = false;
  private loopDone: Promise<void> | undefined;
  private readonly beats: HeartbeatState;
  private readonly now: () => number;
  private readonly paths;
  private readonly settingsWatch: SettingsWatch;
  /** The town this daemon serves, as found at its start (removed or replaced: it stops). */
  private readonly town;
  private markStopped: () => void = () => undefined;
  private readonly stoppedPromise = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(private readonly opts: DaemonOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.owner = `${opts.hostName}:${process.pid}:${this.startedAt}`;
    this.paths = townPaths(opts.root);
    this.settingsWatch = new SettingsWatch(opts.root);
    this.town = townMark(opts.root);
    const facts = { host: opts.hostName, startedAt: this.startedAt };
    this.beats = new HeartbeatState(this.paths.daemonState, facts, opts.log);
    const retry = (): void => this.wake('retry after a failed pass');
    this.failures = new PassFailures(opts.log, (e) => this.emit(e), retry);
  }

  get status(): DaemonState {
    return this.state;
  }

  private setState(next: DaemonState): void {
    const from = this.state;
    this.state = next;
    this.opts.log.log('info', `daemon ${next}`, { from, pid: process.pid });
  }

  /** Takes the host lock (throws DaemonRunningError if another daemon holds it) and starts serving. */
  async start(): Promise<void> {
    const { root, hostName, supervised = false } = this.opts;
    const info = {
      pid: process.pid,
      town: root,
      startedAt: this.startedAt,
      supervised,
      version: GT_VERSION,
      build: gtBuild(),
    };
    this.lock =
      supervised || this.opts.takeOver === true
        ? await takeOverLock(root, hostName, info, (holder) =>
            this.opts.log.log('info', 'taking over from an unsupervised daemon', {
              pid: holder.pid,
              build: holder.build ?? null,
            }),
          )
        : await acquireLock(root, hostName, info);
    try {
      writeJsonAtomic(this.paths.daemonPid, process.pid, 0o600);
      this.pokeServer = await listenForPokes(this.paths.daemonSocket, {
        onPoke: () => this.wake('poke'),
        onRequest: (request) => answerRequest(this.hookDeps(), request),
      });
    } catch (err) {
      await this.lock.release();
      throw err;
    }
    this.setState(DAEMON_STATES.running);
    // The daemon before this one ended without stopping: on record, and people told.
    const crashed = previousCrash(this.paths.daemonState);
    if (crashed !== undefined) await this.emit(crashed);
    // Subscribed before the first pass, so nothing sent meanwhile falls between the two.
    await this.subscribeToWakeUps();
    const every = ms(this.opts.settings.daemon.heartbeat);
    this.heartbeatTimer = setInterval(() => {
      // Checked here, not in a pass: a pass that keeps failing (its store gone with the town)
      // would never get that far.
      if (this.townGone()) return;
      this.heartbeatDue = true;
      this.wake('heartbeat');
    }, every);
    this.wake('start');
    const settings = (): Settings => this.opts.settings;
    this.loops = new SideLoops(() => this.executeDeps(), settings, this.opts.log);
    this.loops.start();
  }

  private hookDeps(): HookAnswerDeps {
    const { root, store } = this.opts;
    // A request made: a pass, whose wake pokes the side loops (once: poked twice, a look under
    // way would earn another after it). A report (a turn ended: a queued prompt may go in now)
    // wants only the side loops.
    const changed = (): void => this.wake('request');
    const reported = (turnBegan = false): void => {
      if (this.state === DAEMON_STATES.running)
        this.loops?.woken(turnBegan ? 'turn-began' : 'hook');
    };
    const agents = (): AgentContext => this.executeDeps();
    // A command not answered for a changed settings file: the next pass takes the file up.
    const settingsCurrent = (env: Readonly<Record<string, string>>): boolean => {
      const current = this.settingsWatch.current(env);
      if (!current && this.settingsWatch.pending()) {
        this.settingsDue = true;
        this.wake('settings changed');
      }
      return current;
    };
    const settings = (): Settings => this.opts.settings;
    const answer = this.opts.statusAnswer;
    const status =
      answer === undefined ? undefined : (json: boolean) => answer(this.opts.settings, json);
    const now = this.now;
    return { root, store, settings, now, changed, reported, agents, settingsCurrent, status };
  }

  /**
   * Only a shared (PostgreSQL) store spans hosts; a single-machine SQLite town whose
   * hostname changed must still serve its own agents.
   */
  private hostFiltered(): boolean {
    return this.opts.store.kind === 'postgres';
  }

  /** Push wake-ups where the store has them (LISTEN/NOTIFY); the heartbeat covers the rest. */
  private async subscribeToWakeUps(): Promise<void> {
    try {
      this.unsubscribe = await this.opts.store.subscribe?.(
        DEACON,
        () => this.wake('notify'),
        (err) =>
          this.opts.log.log('warn', 'wake-up connection lost; reconnecting', {
            error: errorMessage(err),
          }),
      );
    } catch (err) {
      this.opts.log.log('warn', 'no push wake-ups; the heartbeat will find new requests', {
        error: errorMessage(err),
      });
    }
  }

  /** Asks for a pass now; passes never overlap, and a wake during a pass earns one more. */
  wake(reason: string): void {
    if (this.state !== DAEMON_STATES.running) return;
    this.loops?.woken(reason);
    this.wakeRequested = true;
    if (this.loopDone !== undefined) return;
    this.loopDone = this.loop(reason).finally(() => {
      this.loopDone = undefined;
    });
  }

  private async loop(reason: string): Promise<void> {
    while (this.wakeRequested && this.state === DAEMON_STATES.running) {
      this.wakeRequested = false;
      const heartbeat = this.heartbeatDue;
      this.heartbeatDue = false;
      try {
        await this.pass(heartbeat);
        await this.failures.passed();
      } catch (err) {
        // A heartbeat's keep-alive and housekeeping did not run: the retry does them.
        if (heartbeat) this.heartbeatDue = true;
        await this.failures.failed(reason, err, ms(this.opts.settings.daemon.heartbeat));
      }
    }
  }

  /** Records an event if the store takes it; a store that is down is already in the log. */
  private async emit(event: NewEvent): Promise<void> {
    try {
      await emit(this.opts, event);
    } catch {
      // the log line written before this is the record
    }
  }

  /** Runs a full pass now (after the one in hand, if any) and resolves when it is done. */
  async passNow(heartbeat = true): Promise<void> {
    if (heartbeat) this.heartbeatDue = true;
    this.wake('asked');
    await this.loopDone;
  }

  /** One pass: every due lifecycle request, then (on a heartbeat) keep-alive and housekeeping. */
  private async pass(heartbeat: boolean): Promise<void> {
    // Only when a command found the file changed (a heartbeat looks at it anyway): a pass per
    // hook reads no file for it.
    if (this.settingsDue && this.town.present()) {
      this.settingsDue = false;
      await this.takeUpSettings();
    }
    // A request or keep-alive that started a session wants its dialogs answered soon.
    if ((await this.processRequests()) > 0) this.loops?.pokeWatcher();
    if (!heartbeat || this.state !== DAEMON_STATES.running) return;
    const began = performance.now();
    await this.keepAlivePass();
    const keptAlive = performance.now();
    await this.housekeeping(began, keptAlive);
    // A session the keep-alive started wants its dialogs answered soon. After the housekeeping:
    // the look (every agent's screen: at fifty agents, tens of ms) does not share its time.
    this.loops?.pokeWatcher();
  }

  private executeDeps(): DaemonDeps {
    const { root, settings, store, host, hostName, crashPoint, gt } = this.opts;
    const owner = this.owner;
    // An event may have written notifications: the sender looks at once.
    const onEvent = (e: StoredEvent): void => {
      this.opts.onEvent?.(e);
      this.loops?.pokeSender();
    };
    return { root, settings, store, host, hostName, owner, now: this.now, onEvent, crashPoint, gt };
  }

  async processRequests(): Promise<number> {
    const deps = this.executeDeps();
    let handled = 0;
    // Passes never overlap, so after a failed one any claim still ours is an orphan of it
    // (its settling failed): put it back now rather than wait out our own lease.
    if (this.failures.count > 0) await this.opts.store.releaseClaims(this.owner);
    while (this.state === DAEMON_STATES.running) {
      const batch = await this.opts.store.claimMessages({
        to: DEACON,
        owner: this.owner,
        host: this.opts.hostName,
        now: this.now(),
        leaseMs: ms(this.opts.settings.lifecycle.lease),
        limit: CLAIM_BATCH,
        takeOverHost: true,
        onlyOwnHostAgents: this.hostFiltered(),
      });
      if (batch.length === 0) break;
      await runByAgent(batch, AGENT_CONCURRENCY, (msg) => executeClaimed(deps, msg));
      handled += batch.length;
    }
    await this.scheduleRetry();
    return handled;
  }

  /** Wakes again when the earliest retry falls due, if that is before the next heartbeat. */
  private async scheduleRetry(): Promise<void> {
    clearTimeout(this.retryTimer);
    const due = await this.opts.store.nextDueAt(DEACON, {
      host: this.opts.hostName,
      onlyOwnHostAgents: this.hostFiltered(),
    });
    if (due === null || this.state !== DAEMON_STATES.running) return;
    const delay = Math.max(0, due - this.now());
    if (delay >= ms(this.opts.settings.daemon.heartbeat)) return;
    this.retryTimer = setTimeout(() => this.wake('retry'), delay + 5);
  }

  private async keepAlivePass(): Promise<void> {
    let sessions;
    try {
      sessions = await this.opts.host.list();
    } catch (err) {
      // Unknown is never dead: without an answer from tmux, nothing is restarted.
      const level = isTmuxUnavailable(err) ? 'warn' : 'error';
      this.opts.log.log(level, 'keep-alive skipped: tmux did not answer', {
        error: errorMessage(err),
      });
      return;
    }
    await keepAlive(this.executeDeps(), sessions, this.startedAt);
  }

  /** The town was removed (or replaced) under the daemon: nothing here to serve any more. */
  private townGone(): boolean {
    if (this.town.present()) return false;
    this.opts.log.log('warn', 'the town is gone (no mayor/town.json): stopping', {
      town: this.opts.root,
    });
    void this.stop();
    return true;
  }

  private async housekeeping(began: number, keptAlive: number): Promise<void> {
    if (this.townGone()) return;
    this.beats.beat(this.now());
    await purgeOld(this.opts.store, this.opts.settings, this.now(), this.opts.log);
    await this.takeUpSettings();
    this.beats.took(performance.now() - began, keptAlive - began);
    this.beats.write();
  }

  /**
   * Settings changed in the file: used from now on (the heartbeat's period, the host and the
   * store stay until a restart), and agents held for bad credentials let go.
   */
  private async takeUpSettings(): Promise<void> {
    const next = this.settingsWatch.next(this.opts.settings, this.opts.log);
    if (next === undefined) return;
    this.opts.settings = next;
    this.loops?.useSettings(next);
    const lifted = await liftAuthHolds(this.executeDeps());
    this.opts.log.log('info', 'settings changed: taken up', { auth_holds_lifted: lifted });
  }

  /** Settles once the daemon has stopped, whoever stopped it (a signal, or the town vanishing). */
  get stopped(): Promise<void> {
    return this.stoppedPromise;
  }

  /** Finishes the pass in hand, puts unstarted claims back, and lets go of the lock. Agents keep running. */
  async stop(): Promise<void> {
    if (this.state === DAEMON_STATES.stopped || this.state === DAEMON_STATES.stopping) return;
    this.setState(DAEMON_STATES.stopping);
    clearInterval(this.heartbeatTimer);
    await this.loops?.stop();
    clearTimeout(this.retryTimer);
    this.failures.stop();
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loopDone;
    try {
      const released = await this.opts.store.releaseClaims(this.owner);
      if (released > 0) this.opts.log.log('info', 'released claims', { count: released });
    } catch (err) {
      this.opts.log.log('warn', 'could not release claims; their leases will expire', {
        error: errorMessage(err),
      });
    }
    await new Promise<void>((resolve) =>
      this.pokeServer ? this.pokeServer.close(() => resolve()) : resolve(),
    );
    rmSync(this.paths.daemonSocket, { force: true });
    rmSync(this.paths.daemonPid, { force: true });
    this.beats.write(false);
    await this.lock?.release();
    this.setState(DAEMON_STATES.stopped);
    this.markStopped();
  }
}
