// Watching live agents: one tmux call reads the screens of the agents whose activity the hooks
// do not already give (starting, in a dialog, blocked, a screen-only runtime, a prompt to
// deliver); each screen becomes an activity, a key for a known dialog, a word to the mayor for
// one nobody may answer, and the next step of a queued prompt.
import type { AgentContext } from '../agents/context.js';
import { emit } from '../agents/context.js';
import { tellMayor } from '../agents/failures/tell.js';
import type { ActivityDecision, Known } from '../agents/activity.js';
import {
  blockedExcerpt,
  decideActivity,
  DIALOG_SETTLE_MS,
  KEY_SETTLE_MS,
  MOVE_SETTLE_MS,
} from '../agents/activity.js';
import * as record from '../agents/record.js';
import { profileOf } from '../agents/runtime/index.js';
import type { RuntimeProfile, ScreenReading } from '../agents/runtime/profile.js';
import { errorMessage } from '../errors.js';
import type { AgentRecord, NewEvent, Nudge } from '../store/store.js';
import { PENDING_NUDGE } from '../store/store.js';
import { decideStall, progressPrint } from '../agents/failures/stall.js';
import { ms } from '../util/duration.js';
import { applyFailure } from '../agents/failures/apply.js';
import { deliverNudge } from '../agents/nudges/deliver.js';
import { applyStall } from '../agents/failures/stalled.js';

/** Activities that want another look soon: something is about to change. */
const HOT = new Set(['starting', 'dialog']);

/**
 * Whether the agent's screen must be read this pass: always without hooks; with hooks, while a
 * prompt waits, a failure is on record, or its activity changed since the last read (a turn
 * that ended may have ended in an error only the screen shows). An agent ready by its screen
 * (no hook has told of it yet: one only just started, or whose hooks do not run) is read at
 * the quiet pace, not at every look another agent's prompt brings.
 */
export function needsScreen(
  r: AgentRecord,
  runtime: RuntimeProfile,
  nudges: boolean,
  lastRead: number | undefined,
  now: number,
): boolean {
  if (!runtime.capabilities.screen) return false;
  // Busy: a CLI retrying a failed call by itself says so only on its screen.
  if (nudges || runtime.hooks === null || r.failureKind !== null || r.activity === 'busy')
    return true;
  const since = r.activitySince ?? 0;
  if (lastRead === undefined || since >= lastRead) return true;
  // A turn's end told by a hook may come before the CLI has drawn it (OpenCode's plugin says
  // idle, then the error of the failed call appears under the prompt): read on for a moment.
  if (r.activity === 'ready' && since + SETTLE_MS > lastRead) return true;
  if (r.activity !== 'ready') return true;
  return r.activitySource !== 'hook' && now - lastRead >= COLD_MS;
}

/** How long after a turn's end its screen is still read, whoever reported it. */
export const SETTLE_MS = 2_000;

/**
 * Time between looks while an agent starts or shows a dialog: each key waits on a look that
 * sees the last one taken (and the dialog's settle time is counted from the look that saw it).
 */
export const QUICK_MS = 40;
/** Time between looks while something is about to change, and while all is quiet. */
export const HOT_MS = 100;
export const COLD_MS = 5_000;
/** How long something about to change keeps the looks at HOT_MS. */
export const HOT_FOR_MS = 60_000;

export class Watcher {
  /** Keys pressed into the dialog each agent shows now. */
  private readonly dialogKeys = new Map<
    string,
    { dialog: string; keys: number; screen: string; at: number; key: string }
  >();
  /** When each agent's current dialog was first seen. */
  private readonly dialogSeen = new Map<string, { dialog: string; at: number }>();
  /** When each agent's screen was last read. */
  private readonly lastRead = new Map<string, number>();
  /** Each agent's screen without its clocks, and when that last changed. */
  private readonly progress = new Map<
    string,
    { print: string; at: number; session: string; screen: string }
  >();
  private timer: NodeJS.Timeout | undefined;
  /** The last look wants the next soon only for prompts under way (see cool()). */
  private hotForPromptsOnly = false;
  /** A prompt was acknowledged while a look ran. */
  private acked = false;
  private current: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: AgentContext,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Looks now, then again soon or later as the looks find; never two looks at once. */
  poke(): void {
    if (this.stopped) return;
    if (this.current !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.current = this.look().finally(() => (this.current = undefined));
  }

  /** Settings taken up while running (daemon/settings-watch.ts). */
  useSettings(settings: AgentContext['settings']): void {
    this.deps.settings = settings;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private async look(): Promise<void> {
    let next = COLD_MS;
    try {
      next = await this.pass();
    } catch (err) {
      this.onError(err); // a store or tmux that fails is tried again at the next look
    }
    if (this.stopped) return;
    // A prompt acknowledged while this look ran: its own next look may wait too.
    if (this.acked && this.hotForPromptsOnly && !this.again && (await this.noneUnderWay()))
      next = COLD_MS;
    this.acked = false;
    if (this.stopped) return;
    if (this.again) next = Math.min(next, HOT_MS);
    this.again = false;
    this.timer = setTimeout(() => this.poke(), next);
  }

  /** One look; resolves how long until the next (QUICK_MS, HOT_MS or COLD_MS). */
  async pass(): Promise<number> {
    const { store, hostName } = this.deps;
    const live = (await store.listAgents()).filter(
      (r) =>
        r.session !== null && r.host === hostName && r.desired === 'running' && r.sessionConfirmed,
    );
    const pending = await store.listNudges({ statuses: PENDING_NUDGE });
    const nudgesOf = (address: string): Nudge[] => pending.filter((n) => n.to === address);
    const readAt = this.deps.now();
    const watched = live.filter((r) =>
      needsScreen(
        r,
        profileOf(r, this.deps.settings),
        nudgesOf(r.identity).length > 0,
        this.lastRead.get(r.identity),
        readAt,
      ),
    );
    const screens = await this.deps.host.screens(watched.map((r) => r.session ?? ''));
    for (const r of watched) this.lastRead.set(r.identity, readAt);
    const recent = (at: number | null): boolean => at !== null && readAt - at < HOT_FOR_MS;
    let quick = false;
    for (const r of live) {
      const runtime = profileOf(r, this.deps.settings);
      const lines = runtime.capabilities.screen ? screens.get(r.session ?? '') : [];
      if (lines === undefined) continue; // not read this pass, or gone (keep-alive's business)
      const activity = await this.watchOne(r, runtime, lines, nudgesOf(r.identity));
      // Starting, or in a dialog, since lately (one stuck there cools down as below).
      if (
        runtime.capabilities.screen &&
        HOT.has(activity ?? '') &&
        (activity !== r.activity || recent(r.activitySince))
      )
        quick = true;
    }
    // Something stuck (a CLI that never draws its prompt, a prompt never taken) cools down: the
    // slow look, and the pokes of hooks and commands, still find its change. A prompt queued
    // long ago for an agent that has just become ready (its turn's end told by a hook, perhaps
    // before its screen shows it) is as new as that.
    this.hotForPromptsOnly = false;
    if (quick) return QUICK_MS;
    const readyFor = new Set<string>(
      live.filter((r) => r.activity === 'ready' && recent(r.activitySince)).map((r) => r.identity),
    );
    const forPrompts = pending.some((n) => recent(n.typedAt ?? n.createdAt) || readyFor.has(n.to));
    const forAgents = live.some((r) => HOT.has(r.activity ?? '') && recent(r.activitySince));
    this.hotForPromptsOnly = forPrompts && !forAgents;
    return forPrompts || forAgents ? HOT_MS : COLD_MS;
  }

  /**
   * A hook acknowledged a prompt: a look due soon only for the prompts under way is put off to
   * the slow pace when none is under way any more (the look would read a busy screen, which
   * the next look reads anyway). True when it was.
   */
  async cool(): Promise<boolean> {
    if (this.stopped) return false;
    if (this.current !== undefined) {
      this.acked = true; // the look under way decides, once it is over
      return false;
    }
    if (!this.hotForPromptsOnly) return false;
    const due = this.timer;
    // A look begun meanwhile (a prompt queued, say) plans its own next.
    if (!(await this.noneUnderWay()) || this.current !== undefined || this.timer !== due)
      return false;
    if (this.stopped) return false;
    this.hotForPromptsOnly = false;
    if (due !== undefined) {
      clearTimeout(due);
      this.timer = setTimeout(() => this.poke(), COLD_MS);
    }
    return true;
  }

  /** No prompt is under way for any agent (false when the store cannot say). */
  private async noneUnderWay(): Promise<boolean> {
    try {
      return (await this.deps.store.listNudges({ statuses: PENDING_NUDGE, limit: 1 })).length === 0;
    } catch (err) {
      this.onError(err);
      return false;
    }
  }

  /** One agent's screen acted on: its activity, dialog, failure, stall and next prompt. */
  private async watchOne(
    r: AgentRecord,
    runtime: RuntimeProfile,
    lines: string[],
    nudges: readonly Nudge[],
  ): Promise<string | undefined> {
    try {
      const reading = runtime.read(lines);
      const failure = runtime.classify(lines);
      await this.apply(r, reading, lines, failure !== undefined);
      const ready = reading.activity === 'ready';
      const idle = ready && nudges.length === 0;
      await applyFailure(this.deps, r, failure, { ready, idle, lines });
      if (failure === undefined) await this.checkStall(r, runtime, lines);
      const next = nudges[0];
      // Held on its budget: a prompt under way is seen through, no new one begun.
      const held = r.failureKind === 'budget' && next?.status === 'queued';
      if (next !== undefined && !held) await deliverNudge(this.deps, r, runtime, reading, next);
      return reading.activity;
    } catch (err) {
      await this.emit({
        kind: 'agent.check-failed',
        identity: r.identity,
        reason: errorMessage(err),
      });
      return undefined;
    }
  }

  /** A busy agent whose screen stopped changing: asked for its status, then marked stalled. */
  private async checkStall(
    r: AgentRecord,
    runtime: RuntimeProfile,
    lines: string[],
  ): Promise<void> {
    const now = this.deps.now();
    const screen = lines.join('\n');
    const session = r.session ?? '';
    const seen = this.progress.get(r.identity);
    // The same screen has the same print (most looks at a busy agent see no change).
    const print = seen?.screen === screen ? seen.print : progressPrint(lines);
    if (seen === undefined || seen.print !== print || seen.session !== session)
      this.progress.set(r.identity, { print, at: now, session, screen });
    else seen.screen = screen;
    const progressAt = this.progress.get(r.identity)?.at ?? now;
    const step = decideStall(r, progressAt, now, ms(this.deps.settings.agents.stall_after));
    await applyStall(this.deps, r, step, runtime);
  }

  /**
   * A dialog just drawn may not take an Enter yet (Claude Code's trust dialog takes a Down at
   * once and drops an Enter 40 ms later): no Enter goes into one before it has been on screen
   * for DIALOG_SETTLE_MS. A move (Up, Down) goes in at once: one dropped costs only
   * MOVE_SETTLE_MS before it is pressed again, and the settle runs meanwhile.
   */
  private mounting(r: AgentRecord, reading: ScreenReading): boolean {
    if (reading.activity !== 'dialog') {
      this.dialogSeen.delete(r.identity);
      return false;
    }
    const now = this.deps.now();
    let seen = this.dialogSeen.get(r.identity);
    if (seen?.dialog !== reading.dialog) {
      seen = { dialog: reading.dialog, at: now };
      this.dialogSeen.set(r.identity, seen);
    }
    return reading.selected === reading.wanted && now - seen.at < DIALOG_SETTLE_MS;
  }

  private known(r: AgentRecord, screen: string, reading: ScreenReading, failed: boolean): Known {
    const pressed = this.dialogKeys.get(r.identity);
    const same = pressed !== undefined && pressed.dialog === r.activityDetail;
    // A key not drawn yet: the very screen it went into. An Enter that answered this dialog
    // is given its time whatever the screen does meanwhile (the CLI may redraw the dialog
    // before it takes the answer): a second Enter would land in whatever comes next.
    // A moving key lost (a dialog still mounting drops keys) costs only a look: it is pressed
    // again soon. An Enter is waited for longer.
    const settle = pressed?.key === 'Enter' ? KEY_SETTLE_MS : MOVE_SETTLE_MS;
    const recent = pressed !== undefined && this.deps.now() - pressed.at < settle;
    const answered =
      pressed?.key === 'Enter' &&
      reading.activity === 'dialog' &&
      reading.dialog === pressed.dialog;
    return {
      activity: r.activity,
      source: r.activitySource,
      detail: r.activityDetail,
      dialogKeys: same ? pressed.keys : 0,
      keyPending: (recent && (pressed.screen === screen || answered)) || this.mounting(r, reading),
      blockedNotified: r.blockedNotifiedAt !== null,
      turnFailed: failed,
    };
  }

  private async apply(
    r: AgentRecord,
    reading: ScreenReading,
    lines: string[],
    failed: boolean,
  ): Promise<void> {
    const screen = lines.join('\n');
    const decision = decideActivity(reading, this.known(r, screen, reading, failed));
    const detail =
      decision.activity === 'blocked'
        ? `${decision.detail ?? ''}\n${blockedExcerpt(lines)}`.trim()
        : decision.detail;
    if (
      decision.activity !== r.activity ||
      (detail !== r.activityDetail && decision.activity !== 'blocked')
    ) {
      const now = this.deps.now();
      const since = decision.activity === r.activity ? (r.activitySince ?? now) : now;
      await record.activityChanged(this.deps.store, r.identity, {
        activity: decision.activity,
        source: 'screen',
        detail,
        since,
      });
      await this.emit({
        kind: 'agent.activity',
        identity: r.identity,
        outcome: decision.activity,
        reason: decision.detail,
      });
    }
    if (decision.key !== undefined) await this.press(r, decision, screen);
    else if (decision.activity !== 'dialog') this.dialogKeys.delete(r.identity);
    if (decision.notifyBlocked) await this.tellMayor(r, decision, lines);
  }

  private async press(r: AgentRecord, decision: ActivityDecision, screen: string): Promise<void> {
    const dialog = decision.detail ?? '';
    const pressed = this.dialogKeys.get(r.identity);
    const keys = pressed?.dialog === dialog ? pressed.keys + 1 : 1;
    const key = decision.key ?? 'Enter';
    this.dialogKeys.set(r.identity, { dialog, keys, screen, at: this.deps.now(), key });
    await this.deps.host.sendKeys(r.session ?? '', [key]);
    if (decision.key === 'Enter')
      await this.emit({
        kind: 'agent.dialog-answered',
        identity: r.identity,
        outcome: 'answered',
        reason: dialog,
      });
  }

  private async tellMayor(
    r: AgentRecord,
    decision: ActivityDecision,
    lines: string[],
  ): Promise<void> {
    const screen = blockedExcerpt(lines);
    const why = (decision.detail ?? 'waiting on a question').split('\n')[0] ?? '';
    await tellMayor(this.deps, {
      subject: `BLOCKED: ${r.identity} (${why.slice(0, 120)})`,
      body: `${r.identity} waits on something gastown-ts will not answer for it: ${why}.\n\nIts screen:\n${screen}\n\nAnswer it in the session (gt attach ${r.identity}); nothing was pressed.`,
    });
    await record.blockedNotified(this.deps.store, r.identity, this.deps.now());
    await this.emit({
      kind: 'agent.blocked',
      identity: r.identity,
      outcome: 'blocked',
      reason: why,
      data: { lines: screen.split('\n') },
    });
  }

  private async emit(event: NewEvent): Promise<void> {
    await emit(this.deps, event);
  }
}
