// A Store in memory: a test double for decisions and plans that need a store's answers but
// not its disk. It passes the same suite as the SQLite and PostgreSQL backends
// (test/store/memory.test.ts), so what it says is what a real store would say.
import {
  messageIdFloor,
  newMessageId,
  newNotificationId,
  newNudgeId,
} from '../../src/store/ids.js';
import { settledNotification } from '../../src/store/rows.js';
import { MemoryUsage } from './memory-usage.js';
import type {
  AgentPatch,
  AgentRecord,
  EndedSession,
  NewNotification,
  Notification,
  NotificationResult,
  NotificationStatus,
  UsageCursor,
  UsageEntry,
  UsageQuery,
  UsageSum,
  ClaimOptions,
  DueOptions,
  EventQuery,
  InboxOptions,
  Message,
  MessageCounts,
  MessageStatus,
  NewEvent,
  NewMessage,
  NewNudge,
  Nudge,
  NudgePatch,
  NudgeQuery,
  NudgeStatus,
  Settlement,
  Store,
  StoredEvent,
} from '../../src/store/store.js';
import { NEVER } from '../../src/store/store.js';
import { NEW_MESSAGE_STATE } from '../../src/store/rows.js';
import type { Address } from '../../src/town/identity.js';

/** An agent record with nothing known: each field at its store default. */
export const EMPTY_AGENT: Omit<AgentRecord, 'identity' | 'updatedAt'> = {
  host: null,
  session: null,
  tokenHash: null,
  startedAt: null,
  requestMessageId: null,
  sessionConfirmed: false,
  desired: 'running',
  restarts: [],
  nextRestartAt: null,
  parkedAt: null,
  parkedReason: null,
  lastExit: null,
  lastExitAt: null,
  runtime: null,
  activity: null,
  activitySince: null,
  activitySource: null,
  activityDetail: null,
  blockedNotifiedAt: null,
  failureKind: null,
  failureSince: null,
  failureDetail: null,
  failureUntil: null,
  failureCount: null,
  failureNotifiedAt: null,
  conversationId: null,
  transcriptPath: null,
  sessionMode: null,
  budgetClearedAt: null,
};

/** Records are copied in and out, so a caller never holds the store's own object. */
const copy = <T>(value: T): T => structuredClone(value);

export class MemoryStore implements Store {
  readonly kind = 'sqlite';
  private readonly messages: Message[] = [];
  private events: StoredEvent[] = [];
  private readonly agents = new Map<string, AgentRecord>();
  private readonly nudges: Nudge[] = [];
  private readonly sessions: EndedSession[] = [];
  private readonly notifications: Notification[] = [];
  private readonly usage = new MemoryUsage();
  private readonly foldKeys = new Map<string, string>();
  private nudgeSeq = 0;
  private readonly claimHosts = new Map<string, string>();
  private seq = 0;
  private eventSeq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async sendMessage(msg: NewMessage): Promise<Message> {
    await Promise.resolve(); // a bad time rejects, as the real stores' promises do
    const createdAt = msg.createdAt ?? this.now();
    const stored: Message = {
      id: newMessageId(createdAt),
      seq: ++this.seq,
      from: msg.from,
      to: msg.to,
      subject: msg.subject,
      body: msg.body,
      priority: msg.priority,
      type: msg.type,
      threadId: msg.threadId ?? null,
      replyTo: msg.replyTo ?? null,
      createdAt,
      senderVerified: msg.senderVerified,
      ...NEW_MESSAGE_STATE,
    };
    this.messages.push(stored);
    return copy(stored);
  }

  getMessage(id: string): Promise<Message | undefined> {
    const found = this.messages.find((m) => m.id === id);
    return Promise.resolve(found && copy(found));
  }

  listInbox(to: string, opts: InboxOptions = {}): Promise<Message[]> {
    const closed = (m: Message): boolean => m.status === 'done' || m.status === 'dead';
    const rows = this.messages
      .filter((m) => m.to === to && (!opts.unreadOnly || !m.read))
      .filter((m) => opts.all === true || !closed(m))
      .sort((a, b) => b.seq - a.seq)
      .slice(0, opts.limit ?? Infinity);
    return Promise.resolve(rows.map(copy));
  }

  countUnread(to: string): Promise<number> {
    return Promise.resolve(this.messages.filter((m) => m.to === to && !m.read).length);
  }

  markRead(id: string, read: boolean): Promise<boolean> {
    const found = this.messages.find((m) => m.id === id);
    if (found !== undefined) found.read = read;
    return Promise.resolve(found !== undefined);
  }

  deleteMessage(id: string): Promise<boolean> {
    const at = this.messages.findIndex((m) => m.id === id);
    if (at >= 0) this.messages.splice(at, 1);
    return Promise.resolve(at >= 0);
  }

  closeMessage(id: string, outcome: string, now: number): Promise<boolean> {
    const m = this.messages.find((x) => x.id === id);
    if (m === undefined || m.status !== 'open') return Promise.resolve(false);
    Object.assign(m, { status: 'done', outcome, closedAt: now, read: true });
    return Promise.resolve(true);
  }

  listThread(threadId: string): Promise<Message[]> {
    return Promise.resolve(this.messages.filter((m) => m.threadId === threadId).map(copy));
  }

  purgeMessages(before: number): Promise<number> {
    const floor = messageIdFloor(before);
    const doomed = (m: Message): boolean =>
      m.id < floor &&
      m.createdAt < before &&
      (((m.status === 'done' || m.status === 'dead') && (m.closedAt ?? Infinity) < before) ||
        (m.read && m.status === 'open' && (m.to !== 'deacon' || m.nextAttemptAt === NEVER)));
    const count = this.messages.filter(doomed).length;
    const kept = this.messages.filter((m) => !doomed(m));
    this.messages.splice(0, this.messages.length, ...kept);
    return Promise.resolve(count);
  }

  /** Whether the sender's record names another host than `host` (that host's daemon acts). */
  private otherHosts(msg: Message, host: string): boolean {
    const agentHost = this.agents.get(msg.from)?.host;
    return agentHost != null && agentHost !== host;
  }

  claimMessages(opts: ClaimOptions): Promise<Message[]> {
    const due = this.messages
      .filter((m) => m.to === opts.to)
      .filter((m) => !(opts.onlyOwnHostAgents === true && this.otherHosts(m, opts.host)))
      .filter((m) =>
        m.status === 'open'
          ? m.nextAttemptAt <= opts.now
          : m.status === 'claimed' &&
            ((m.leaseExpiresAt ?? 0) <= opts.now ||
              (opts.takeOverHost === true &&
                this.claimHosts.get(m.id) === opts.host &&
                m.claimOwner !== opts.owner)),
      )
      .sort((a, b) => a.seq - b.seq)
      .slice(0, opts.limit);
    for (const m of due) {
      m.status = 'claimed';
      m.claimOwner = opts.owner;
      m.leaseExpiresAt = opts.now + opts.leaseMs;
      m.attempts += 1;
      m.firstClaimedAt ??= opts.now;
      this.claimHosts.set(m.id, opts.host);
    }
    return Promise.resolve(due.map(copy));
  }

  settleMessage(id: string, owner: string, settlement: Settlement, now: number): Promise<boolean> {
    const m = this.messages.find((x) => x.id === id);
    if (m === undefined || m.status !== 'claimed' || m.claimOwner !== owner)
      return Promise.resolve(false);
    m.claimOwner = null;
    m.leaseExpiresAt = null;
    switch (settlement.kind) {
      case 'done':
        Object.assign(m, {
          status: 'done',
          outcome: settlement.outcome,
          outcomeReason: settlement.reason ?? null,
          closedAt: now,
          read: true,
        });
        break;
      case 'dead':
        Object.assign(m, {
          status: 'dead',
          lastError: settlement.error,
          outcome: 'dead-letter',
          outcomeReason: null,
          closedAt: now,
          read: true,
        });
        break;
      case 'mail':
        Object.assign(m, {
          status: 'open',
          outcome: settlement.outcome,
          outcomeReason: settlement.reason ?? null,
          nextAttemptAt: NEVER,
        });
        break;
      case 'retry':
        Object.assign(m, {
          status: 'open',
          lastError: settlement.error,
          nextAttemptAt: settlement.nextAttemptAt,
        });
        break;
    }
    return Promise.resolve(true);
  }

  releaseClaims(owner: string): Promise<number> {
    const mine = this.messages.filter((m) => m.status === 'claimed' && m.claimOwner === owner);
    for (const m of mine) {
      Object.assign(m, { status: 'open', claimOwner: null, leaseExpiresAt: null });
      m.attempts = Math.max(m.attempts - 1, 0);
    }
    return Promise.resolve(mine.length);
  }

  countByStatus(to: string): Promise<MessageCounts> {
    const counts: MessageCounts = { open: 0, claimed: 0, done: 0, dead: 0 };
    for (const m of this.messages)
      if (m.to === to && m.nextAttemptAt !== NEVER) counts[m.status] += 1;
    return Promise.resolve(counts);
  }

  nextDueAt(to: string, opts?: DueOptions): Promise<number | null> {
    const times = this.messages
      .filter((m) => m.to === to && (m.status === 'open' || m.status === 'claimed'))
      .filter((m) => m.nextAttemptAt !== NEVER)
      .filter((m) => !(opts?.onlyOwnHostAgents === true && this.otherHosts(m, opts.host)))
      .map((m) => (m.status === 'open' ? m.nextAttemptAt : (m.leaseExpiresAt ?? 0)));
    return Promise.resolve(times.length === 0 ? null : Math.min(...times));
  }

  listByStatus(to: string, status: MessageStatus, limit: number): Promise<Message[]> {
    const rows = this.messages.filter((m) => m.to === to && m.status === status).slice(0, limit);
    return Promise.resolve(rows.map(copy));
  }

  recordUsage(cursor: UsageCursor, entries: readonly UsageEntry[]): Promise<number> {
    return Promise.resolve(this.usage.record(cursor, entries));
  }

  getUsageCursor(path: string): Promise<UsageCursor | undefined> {
    return Promise.resolve(this.usage.cursor(path));
  }

  listUsageCursors(since: number): Promise<UsageCursor[]> {
    return Promise.resolve(this.usage.listCursors(since));
  }

  sumUsage(query: UsageQuery = {}): Promise<UsageSum[]> {
    return Promise.resolve(this.usage.sum(query));
  }

  recordEvent(event: NewEvent, notify: readonly NewNotification[] = []): Promise<StoredEvent> {
    const stored: StoredEvent = {
      seq: ++this.eventSeq,
      ts: event.ts ?? this.now(),
      kind: event.kind,
      identity: event.identity ?? null,
      messageId: event.messageId ?? null,
      requestId: event.requestId ?? null,
      action: event.action ?? null,
      outcome: event.outcome ?? null,
      reason: event.reason ?? null,
      durationMs: event.durationMs ?? null,
      data: event.data == null ? null : copy(event.data),
    };
    this.events.push(stored);
    for (const n of notify) this.addNotification(n, stored);
    return Promise.resolve(copy(stored));
  }

  /** As the real stores: the first of a key in its window, else folded into the window's count. */
  private addNotification(n: NewNotification, event: StoredEvent): void {
    const { fold, ...rest } = n;
    const key = fold === undefined ? undefined : `${fold.key}@${fold.windowStart}`;
    const same = (phase: number) =>
      key === undefined
        ? undefined
        : this.notifications.find((x) => this.foldKeys.get(x.id) === key && x.phase === phase);
    const first = same(0);
    const more = same(1);
    if (first !== undefined && more !== undefined) {
      more.repeats += 1;
      return;
    }
    const id = newNotificationId(event.ts);
    if (key !== undefined) this.foldKeys.set(id, key);
    this.notifications.push({
      ...copy(rest),
      id,
      seq: this.notifications.length + 1,
      eventSeq: event.seq,
      createdAt: event.ts,
      status: 'pending',
      attempts: 0,
      nextAttemptAt:
        first === undefined || fold === undefined ? event.ts : fold.windowStart + fold.windowMs,
      lastError: null,
      deliveredAt: null,
      phase: first === undefined ? 0 : 1,
      repeats: 1,
    });
  }

  claimNotifications(opts: {
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<Notification[]> {
    const due = this.notifications
      .filter((n) => n.status === 'pending' && n.nextAttemptAt <= opts.now)
      .slice(0, opts.limit);
    for (const n of due) {
      n.attempts += 1;
      n.nextAttemptAt = opts.now + opts.leaseMs;
    }
    return Promise.resolve(due.map(copy));
  }

  settleNotification(id: string, result: NotificationResult, now: number): Promise<void> {
    const n = this.notifications.find((x) => x.id === id && x.status === 'pending');
    if (n !== undefined) {
      const s = settledNotification(result, now);
      n.status = s.status;
      if (s.undo === 0) n.lastError = s.error;
      n.attempts -= s.undo;
      n.nextAttemptAt = s.nextAttemptAt ?? n.nextAttemptAt;
      n.deliveredAt = s.deliveredAt;
    }
    return Promise.resolve();
  }

  listNotifications(
    query: { statuses?: readonly NotificationStatus[]; limit?: number } = {},
  ): Promise<Notification[]> {
    const rows = this.notifications.filter(
      (n) => query.statuses === undefined || query.statuses.includes(n.status),
    );
    return Promise.resolve(rows.slice(-(query.limit ?? rows.length) || rows.length).map(copy));
  }

  listEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    const rows = this.events
      .filter((e) => e.ts >= (query.sinceTs ?? 0) && e.seq > (query.afterSeq ?? 0))
      .filter((e) => query.identity === undefined || e.identity === query.identity)
      .slice(
        query.newest === true && query.limit !== undefined ? -query.limit : 0,
        query.newest === true ? undefined : (query.limit ?? Infinity),
      );
    return Promise.resolve(rows.map(copy));
  }

  purgeEvents(before: number): Promise<number> {
    const kept = this.events.filter((e) => e.ts >= before);
    const purged = this.events.length - kept.length;
    this.events = kept;
    return Promise.resolve(purged);
  }

  async enqueueNudge(nudge: NewNudge): Promise<Nudge> {
    await Promise.resolve(); // a bad time rejects, as the real stores' promises do
    const createdAt = nudge.createdAt ?? this.now();
    const stored: Nudge = {
      id: newNudgeId(createdAt),
      seq: ++this.nudgeSeq,
      to: nudge.to,
      from: nudge.from,
      text: nudge.text,
      createdAt,
      status: 'queued',
      attempts: 0,
      session: null,
      typedAt: null,
      seenAt: null,
      deliveredAt: null,
      ack: null,
      error: null,
      updatedAt: createdAt,
    };
    this.nudges.push(stored);
    return copy(stored);
  }

  getNudge(id: string): Promise<Nudge | undefined> {
    const found = this.nudges.find((n) => n.id === id);
    return Promise.resolve(found && copy(found));
  }

  listNudges(query: NudgeQuery = {}): Promise<Nudge[]> {
    const rows = this.nudges
      .filter((n) => query.to === undefined || n.to === query.to)
      .filter((n) => query.statuses === undefined || query.statuses.includes(n.status))
      .slice(0, query.limit ?? Infinity);
    return Promise.resolve(rows.map(copy));
  }

  updateNudge(
    id: string,
    from: readonly NudgeStatus[],
    patch: NudgePatch,
    now: number,
  ): Promise<Nudge | undefined> {
    const found = this.nudges.find((n) => n.id === id);
    if (found === undefined || !from.includes(found.status)) return Promise.resolve(undefined);
    const given = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, v ?? null]));
    Object.assign(found, given, { updatedAt: now });
    return Promise.resolve(copy(found));
  }

  purgeNudges(before: number): Promise<number> {
    const done = (n: Nudge): boolean =>
      n.status !== 'queued' && n.status !== 'typed' && n.updatedAt < before;
    const count = this.nudges.filter(done).length;
    this.nudges.splice(0, this.nudges.length, ...this.nudges.filter((n) => !done(n)));
    return Promise.resolve(count);
  }

  endSession(ended: EndedSession): Promise<boolean> {
    const same = (e: EndedSession): boolean =>
      e.identity === ended.identity && e.startedAt === ended.startedAt;
    if (this.sessions.some(same)) return Promise.resolve(false);
    this.sessions.push(copy(ended));
    return Promise.resolve(true);
  }

  listSessions(identity: string, limit = 50): Promise<EndedSession[]> {
    const rows = this.sessions
      .filter((e) => e.identity === identity)
      .sort((a, b) => b.startedAt - a.startedAt);
    return Promise.resolve(rows.slice(0, limit).map(copy));
  }

  getAgent(identity: string): Promise<AgentRecord | undefined> {
    const found = this.agents.get(identity);
    return Promise.resolve(found && copy(found));
  }

  patchAgent(identity: string, patch: AgentPatch): Promise<AgentRecord> {
    const current = this.agents.get(identity) ?? { identity, ...EMPTY_AGENT, updatedAt: 0 };
    // As in the real stores, a key given as undefined clears its field (to [] for restarts).
    const given = Object.fromEntries(
      Object.entries(patch).map(([k, v]) => [k, v ?? (k === 'restarts' ? [] : null)]),
    );
    const next: AgentRecord = {
      ...current,
      ...copy(given),
      identity: identity as Address,
      updatedAt: this.now(),
    };
    this.agents.set(identity, next);
    return Promise.resolve(copy(next));
  }

  listAgents(): Promise<AgentRecord[]> {
    const rows = [...this.agents.values()].sort((a, b) => a.identity.localeCompare(b.identity));
    return Promise.resolve(rows.map(copy));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
