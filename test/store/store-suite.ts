// The behaviour every Store backend must have. Each backend's test file calls
// storeSuite() with a factory that gives a fresh, empty store per test.
import { describe, expect, it } from 'vitest';
import type { EndedSession, NewMessage, Store } from '../../src/store/store.js';

export type StoreFactory = () => Promise<Store>;

export function mail(overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    from: 'mayor',
    to: 'alpha/crew/max',
    subject: 'hello',
    body: 'body',
    priority: 'normal',
    type: 'message',
    senderVerified: false,
    ...overrides,
  };
}

/** Runs `fn` on a fresh store of the factory, closed after. */
export function withStoreOf(open: StoreFactory) {
  return async (fn: (store: Store) => Promise<void>): Promise<void> => {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
}

export function storeSuite(name: string, open: StoreFactory): void {
  const withStore = withStoreOf(open);

  describe(`${name}: mail`, () => {
    it('stores and returns every field', () =>
      withStore(async (store) => {
        const sent = await store.sendMessage(
          mail({
            subject: 's',
            body: 'b\nline2',
            priority: 'urgent',
            type: 'task',
            threadId: 't1',
            replyTo: 'gm-x',
            senderVerified: true,
            createdAt: 1_000,
          }),
        );
        const got = await store.getMessage(sent.id);
        expect(got).toMatchObject({
          id: sent.id,
          from: 'mayor',
          to: 'alpha/crew/max',
          subject: 's',
          body: 'b\nline2',
          priority: 'urgent',
          type: 'task',
          threadId: 't1',
          replyTo: 'gm-x',
          createdAt: 1_000,
          read: false,
          senderVerified: true,
          status: 'open',
          attempts: 0,
        });
      }));

    it('inbox lists one address, newest first, and filters unread', () =>
      withStore(async (store) => {
        const a = await store.sendMessage(mail({ subject: 'a' }));
        await store.sendMessage(mail({ to: 'mayor', subject: 'other' }));
        const b = await store.sendMessage(mail({ subject: 'b' }));
        expect((await store.listInbox('alpha/crew/max')).map((m) => m.subject)).toEqual(['b', 'a']);
        expect(await store.markRead(b.id, true)).toBe(true);
        expect(
          (await store.listInbox('alpha/crew/max', { unreadOnly: true })).map((m) => m.id),
        ).toEqual([a.id]);
        expect(await store.countUnread('alpha/crew/max')).toBe(1);
        expect((await store.listInbox('alpha/crew/max', { limit: 1 })).map((m) => m.id)).toEqual([
          b.id,
        ]);
        expect(await store.listInbox('nobody')).toEqual([]);
      }));

    it('delete removes one message and reports a missing one', () =>
      withStore(async (store) => {
        const a = await store.sendMessage(mail());
        expect(await store.deleteMessage(a.id)).toBe(true);
        expect(await store.deleteMessage(a.id)).toBe(false);
        expect(await store.getMessage(a.id)).toBeUndefined();
        expect(await store.markRead(a.id, true)).toBe(false);
      }));

    it('refuses a message time an id cannot carry, and stores nothing', () =>
      withStore(async (store) => {
        for (const createdAt of [-1, 1.5, Number.NaN, 32 ** 9])
          await expect(store.sendMessage(mail({ createdAt }))).rejects.toThrow(/message time/);
        expect(await store.listInbox('alpha/crew/max')).toEqual([]);
        const edge = await store.sendMessage(mail({ createdAt: 0 }));
        expect(edge.id.startsWith('gm-000000000')).toBe(true);
      }));

    it('keeps unicode, quotes and control characters byte for byte', () =>
      withStore(async (store) => {
        const body = `ünï ☃ 𝄞 '"; $(rm -rf /) \`x\` #{pane} \u0001\u007f\r\n`;
        const sent = await store.sendMessage(mail({ body, subject: '#(touch x)' }));
        expect((await store.getMessage(sent.id))?.body).toBe(body);
      }));

    it('keeps a settled request for the retention after it settled, however old it is', () =>
      withStore(async (store) => {
        const old = await store.sendMessage(mail({ to: 'deacon', createdAt: 10 }));
        await store.claimMessages({
          to: 'deacon',
          owner: 'd',
          host: 'h',
          now: 1_000,
          leaseMs: 100,
          limit: 5,
        });
        await store.settleMessage(old.id, 'd', { kind: 'dead', error: 'x' }, 1_000);
        expect(await store.purgeMessages(500)).toBe(0);
        expect(await store.purgeMessages(2_000)).toBe(1);
      }));

    it('purges read and settled mail older than the cut-off, never open requests', () =>
      withStore(async (store) => {
        const oldRead = await store.sendMessage(mail({ createdAt: 10 }));
        await store.markRead(oldRead.id, true);
        const oldUnread = await store.sendMessage(mail({ createdAt: 10 }));
        const oldRequest = await store.sendMessage(mail({ to: 'deacon', createdAt: 10 }));
        await store.markRead(oldRequest.id, true);
        const fresh = await store.sendMessage(mail({ createdAt: 1_000 }));
        await store.markRead(fresh.id, true);
        expect(await store.purgeMessages(100)).toBe(1);
        expect(await store.getMessage(oldRead.id)).toBeUndefined();
        expect(await store.getMessage(oldUnread.id)).toBeDefined();
        expect(await store.getMessage(oldRequest.id)).toBeDefined();
        expect(await store.getMessage(fresh.id)).toBeDefined();
      }));
  });

  describe(`${name}: closed mail`, () => {
    it('a settled request leaves the inbox and is read; --all still shows it with its outcome', () =>
      withStore(async (store) => {
        const done = await store.sendMessage(mail({ to: 'deacon' }));
        const dead = await store.sendMessage(mail({ to: 'deacon' }));
        const open = await store.sendMessage(mail({ to: 'deacon' }));
        await store.claimMessages({
          to: 'deacon',
          owner: 'd',
          host: 'h',
          now: Date.now(),
          leaseMs: 60_000,
          limit: 2,
        });
        await store.settleMessage(done.id, 'd', { kind: 'done', outcome: 'done' }, Date.now());
        await store.settleMessage(dead.id, 'd', { kind: 'dead', error: 'boom' }, Date.now());
        expect((await store.listInbox('deacon')).map((m) => m.id)).toEqual([open.id]);
        expect(await store.countUnread('deacon')).toBe(1);
        const all = await store.listInbox('deacon', { all: true });
        expect(all.map((m) => [m.id, m.read, m.outcome])).toEqual([
          [open.id, false, null],
          [dead.id, true, 'dead-letter'],
          [done.id, true, 'done'],
        ]);
      }));

    it('mail that is no request is left as plain mail: open, unread, never claimed or counted again', () =>
      withStore(async (store) => {
        const plain = await store.sendMessage(mail({ to: 'deacon', subject: 'hello deacon' }));
        const now = Date.now();
        await store.claimMessages({
          to: 'deacon',
          owner: 'd',
          host: 'h',
          now,
          leaseMs: 60_000,
          limit: 1,
        });
        expect(
          await store.settleMessage(
            plain.id,
            'd',
            { kind: 'mail', outcome: 'ignored', reason: 'not a request' },
            now,
          ),
        ).toBe(true);
        expect(await store.getMessage(plain.id)).toMatchObject({
          status: 'open',
          read: false,
          claimOwner: null,
          outcome: 'ignored',
          outcomeReason: 'not a request',
        });
        expect((await store.listInbox('deacon')).map((m) => m.id)).toEqual([plain.id]);
        expect(
          await store.claimMessages({
            to: 'deacon',
            owner: 'd2',
            host: 'h',
            now: now + 1e9,
            leaseMs: 1,
            limit: 5,
          }),
        ).toEqual([]);
        expect(await store.countByStatus('deacon')).toEqual({
          open: 0,
          claimed: 0,
          done: 0,
          dead: 0,
        });
        expect(await store.nextDueAt('deacon')).toBeNull();
        await store.markRead(plain.id, true);
        expect(await store.purgeMessages(Date.now() + 1000)).toBe(1);
      }));

    it('archive closes an open message only: not a claimed one, not twice', () =>
      withStore(async (store) => {
        const a = await store.sendMessage(mail());
        expect(await store.closeMessage(a.id, 'archived', 5)).toBe(true);
        expect(await store.closeMessage(a.id, 'archived', 6)).toBe(false);
        expect(await store.getMessage(a.id)).toMatchObject({
          status: 'done',
          read: true,
          outcome: 'archived',
          closedAt: 5,
        });
        expect(await store.listInbox('alpha/crew/max')).toEqual([]);
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        await store.claimMessages({
          to: 'deacon',
          owner: 'd',
          host: 'h',
          now: Date.now(),
          leaseMs: 60_000,
          limit: 1,
        });
        expect(await store.closeMessage(r.id, 'archived', 7)).toBe(false);
        expect(await store.closeMessage('gm-nosuchmessage', 'archived', 7)).toBe(false);
      }));

    it('a thread lists its messages oldest first, whoever they went to', () =>
      withStore(async (store) => {
        const a = await store.sendMessage(mail({ threadId: 'thread-1', subject: 'a' }));
        await store.sendMessage(mail({ threadId: 'thread-2', subject: 'x' }));
        const b = await store.sendMessage(
          mail({ threadId: 'thread-1', to: 'mayor', subject: 'b' }),
        );
        expect((await store.listThread('thread-1')).map((m) => m.id)).toEqual([a.id, b.id]);
        expect(await store.listThread('thread-none')).toEqual([]);
      }));
  });

  describe(`${name}: nudges`, () => {
    it('queues in order, lists by recipient and status, and changes only from the given statuses', () =>
      withStore(async (store) => {
        const a = await store.enqueueNudge({
          to: 'alpha/crew/max',
          from: 'mayor',
          text: 'first',
          createdAt: 1,
        });
        const b = await store.enqueueNudge({
          to: 'alpha/crew/max',
          from: 'mayor',
          text: 'second ünï \n "x"',
        });
        await store.enqueueNudge({ to: 'mayor', from: 'overseer', text: 'other' });
        expect(a).toMatchObject({ status: 'queued', attempts: 0, session: null, createdAt: 1 });
        expect(a.id).toMatch(/^gn-/);
        const pending = await store.listNudges({
          to: 'alpha/crew/max',
          statuses: ['queued', 'typed'],
        });
        expect(pending.map((n) => n.text)).toEqual(['first', 'second ünï \n "x"']);
        const typing = await store.updateNudge(
          a.id,
          ['queued'],
          { status: 'typing', attempts: 0, session: 'gt-x', typedAt: 5, seenAt: null },
          5,
        );
        expect(typing).toMatchObject({ status: 'typing', session: 'gt-x', seenAt: null });
        expect(await store.listNudges({ statuses: ['typing'] })).toHaveLength(1);
        const typed = await store.updateNudge(
          a.id,
          ['typing'],
          { status: 'typed', attempts: 1, seenAt: 6 },
          6,
        );
        expect(typed).toMatchObject({
          status: 'typed',
          attempts: 1,
          session: 'gt-x',
          typedAt: 5,
          seenAt: 6,
          updatedAt: 6,
        });
        expect(await store.updateNudge(a.id, ['queued'], { status: 'typed' }, 7)).toBeUndefined();
        await store.updateNudge(
          a.id,
          ['typed'],
          { status: 'delivered', ack: 'hook', deliveredAt: 8 },
          8,
        );
        expect(await store.getNudge(a.id)).toMatchObject({
          status: 'delivered',
          ack: 'hook',
          session: 'gt-x',
        });
        expect((await store.listNudges({ statuses: ['queued'] })).map((n) => n.text)).toEqual([
          'second ünï \n "x"',
          'other',
        ]);
        expect(await store.listNudges({ limit: 1 })).toHaveLength(1);
        expect(await store.getNudge(b.id)).toMatchObject({ status: 'queued' });
        expect(await store.getNudge('gn-nosuch')).toBeUndefined();
      }));

    it('purges only finished nudges last changed before the cut-off', () =>
      withStore(async (store) => {
        const done = await store.enqueueNudge({
          to: 'mayor',
          from: 'mayor',
          text: 'a',
          createdAt: 1,
        });
        await store.updateNudge(done.id, ['queued'], { status: 'failed', error: 'no' }, 10);
        await store.enqueueNudge({ to: 'mayor', from: 'mayor', text: 'b', createdAt: 1 });
        expect(await store.purgeNudges(5)).toBe(0);
        expect(await store.purgeNudges(11)).toBe(1);
        expect((await store.listNudges()).map((n) => n.text)).toEqual(['b']);
      }));
  });

  describe(`${name}: agent activity`, () => {
    it('keeps an agent’s runtime and activity fields, each settable alone', () =>
      withStore(async (store) => {
        await store.patchAgent('mayor', {
          runtime: 'claude',
          activity: 'dialog',
          activitySince: 5,
          activitySource: 'screen',
          activityDetail: 'trust',
        });
        await store.patchAgent('mayor', { activity: 'ready', activityDetail: null });
        expect(await store.getAgent('mayor')).toMatchObject({
          runtime: 'claude',
          activity: 'ready',
          activitySince: 5,
          activitySource: 'screen',
          activityDetail: null,
          blockedNotifiedAt: null,
          desired: 'running',
          restarts: [],
        });
      }));
  });

  describe(`${name}: notification outbox`, () => {
    const note = (channel: string, kind = 'blocked') => ({
      channel,
      kind,
      identity: 'alpha/crew/max',
      title: 'alpha/crew/max is blocked',
      text: 'Allow?',
    });

    it('writes notifications with their event; a sender claims, retries and settles them', () =>
      withStore(async (store) => {
        const event = await store.recordEvent({ kind: 'agent.blocked', ts: 100 }, [
          note('hook'),
          note('phone'),
        ]);
        await store.recordEvent({ kind: 'agent.activity', ts: 101 });
        const claimed = await store.claimNotifications({ now: 100, leaseMs: 50, limit: 10 });
        expect(claimed.map((n) => [n.channel, n.eventSeq, n.attempts])).toEqual([
          ['hook', event.seq, 1],
          ['phone', event.seq, 1],
        ]);
        expect(new Set(claimed.map((n) => n.id)).size).toBe(2);
        // Claimed: not due again until the claim runs out.
        expect(await store.claimNotifications({ now: 120, leaseMs: 50, limit: 10 })).toEqual([]);
        const [hook, phone] = claimed;
        await store.settleNotification(hook?.id ?? '', { kind: 'delivered' }, 130);
        await store.settleNotification(
          phone?.id ?? '',
          { kind: 'retry', error: 'HTTP 500', nextAttemptAt: 200 },
          130,
        );
        expect(await store.claimNotifications({ now: 199, leaseMs: 50, limit: 10 })).toEqual([]);
        const again = await store.claimNotifications({ now: 200, leaseMs: 50, limit: 10 });
        expect(again.map((n) => [n.channel, n.attempts, n.lastError])).toEqual([
          ['phone', 2, 'HTTP 500'],
        ]);
        await store.settleNotification(again[0]?.id ?? '', { kind: 'dead', error: 'refused' }, 210);
        // A settled one never changes again.
        await store.settleNotification(hook?.id ?? '', { kind: 'dead', error: 'late' }, 220);
        const all = await store.listNotifications();
        expect(all.map((n) => [n.channel, n.status, n.deliveredAt])).toEqual([
          ['hook', 'delivered', 130],
          ['phone', 'dead', null],
        ]);
        expect(
          (await store.listNotifications({ statuses: ['dead'] })).map((n) => n.channel),
        ).toEqual(['phone']);
      }));
  });

  describe(`${name}: notifications fold`, () => {
    it('repeats of a key in a window: the first sent at once, the rest one count at its end', () =>
      withStore(async (store) => {
        const fold = { key: 'hook|blocked|alpha/crew/max', windowStart: 1000, windowMs: 600 };
        const n = {
          channel: 'hook',
          kind: 'blocked',
          identity: 'alpha/crew/max',
          title: 't',
          text: 'x',
        };
        for (const ts of [1000, 1100, 1200, 1300])
          await store.recordEvent({ kind: 'agent.blocked', ts }, [{ ...n, fold }]);
        await store.recordEvent({ kind: 'agent.blocked', ts: 1700 }, [
          { ...n, fold: { ...fold, windowStart: 1600 } },
        ]);
        await store.recordEvent({ kind: 'agent.blocked', ts: 1710 }, [n]);
        const all = await store.listNotifications();
        expect(all.map((x) => [x.phase, x.repeats, x.nextAttemptAt])).toEqual([
          [0, 1, 1000],
          [1, 3, 1600],
          [0, 1, 1700],
          [0, 1, 1710],
        ]);
        expect(
          (await store.claimNotifications({ now: 1599, leaseMs: 1, limit: 9 })).map((x) => x.phase),
        ).toEqual([0]);
      }));
  });

  describe(`${name}: agent sessions`, () => {
    const ended = (startedAt: number, ending: EndedSession['ending']): EndedSession => ({
      identity: 'alpha/crew/max',
      startedAt,
      endedAt: startedAt + 5,
      ending,
      detail: ending === 'crash' ? 'agent process exited (exit status 137)' : null,
      runtime: 'claude',
      mode: startedAt === 10 ? 'fresh' : 'resumed',
      conversationId: 'c0ffee00-0000-4000-8000-000000000001',
      transcriptPath: '/home/u/.claude/projects/x/c0ffee00.jsonl',
    });

    it('keeps the conversation an agent holds beside its record', () =>
      withStore(async (store) => {
        await store.patchAgent('mayor', { conversationId: 'abc', sessionMode: 'resumed' });
        await store.patchAgent('mayor', { transcriptPath: '/t/abc.jsonl' });
        expect(await store.getAgent('mayor')).toMatchObject({
          conversationId: 'abc',
          transcriptPath: '/t/abc.jsonl',
          sessionMode: 'resumed',
        });
      }));

    it('records each session’s end once, the first word standing, newest first', () =>
      withStore(async (store) => {
        expect(await store.endSession(ended(10, 'crash'))).toBe(true);
        expect(await store.endSession(ended(10, 'replaced'))).toBe(false);
        expect(await store.endSession(ended(20, 'restart'))).toBe(true);
        await store.endSession({ ...ended(30, 'stop'), identity: 'mayor' });
        const history = await store.listSessions('alpha/crew/max');
        expect(history).toEqual([ended(20, 'restart'), ended(10, 'crash')]);
        expect(await store.listSessions('alpha/crew/max', 1)).toEqual([ended(20, 'restart')]);
        expect(await store.listSessions('nobody')).toEqual([]);
      }));
  });

  describe(`${name}: claims`, () => {
    const claim = (
      store: Store,
      owner: string,
      now: number,
      extra: { takeOverHost?: boolean; limit?: number } = {},
    ) =>
      store.claimMessages({
        to: 'deacon',
        owner,
        host: 'h1',
        now,
        leaseMs: 1_000,
        limit: extra.limit ?? 10,
        takeOverHost: extra.takeOverHost,
      });

    it('claims open requests once, counting attempts, and only for the address', () =>
      withStore(async (store) => {
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        await store.sendMessage(mail({ to: 'mayor' }));
        const first = await claim(store, 'd1', 100);
        expect(first.map((m) => [m.id, m.status, m.claimOwner, m.attempts])).toEqual([
          [r.id, 'claimed', 'd1', 1],
        ]);
        expect(await claim(store, 'd2', 200)).toEqual([]);
      }));

    it('an expired lease can be claimed again; a settled claim cannot be settled by the old owner', () =>
      withStore(async (store) => {
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        await claim(store, 'd1', 100);
        const again = await claim(store, 'd2', 1_200);
        expect(again.map((m) => [m.claimOwner, m.attempts])).toEqual([['d2', 2]]);
        expect(await store.settleMessage(r.id, 'd1', { kind: 'done', outcome: 'x' }, 1_300)).toBe(
          false,
        );
        expect(await store.settleMessage(r.id, 'd2', { kind: 'done', outcome: 'ok' }, 1_300)).toBe(
          true,
        );
        expect(await store.getMessage(r.id)).toMatchObject({
          status: 'done',
          outcome: 'ok',
          closedAt: 1_300,
          claimOwner: null,
        });
        expect(await claim(store, 'd3', 10_000)).toEqual([]);
      }));

    it('a host daemon holding the lock takes over its dead predecessors’ claims at once', () =>
      withStore(async (store) => {
        await store.sendMessage(mail({ to: 'deacon' }));
        await claim(store, 'old', 100);
        expect(await claim(store, 'new', 101)).toEqual([]);
        expect(
          (await claim(store, 'new', 101, { takeOverHost: true })).map((m) => m.claimOwner),
        ).toEqual(['new']);
      }));

    it('retry waits for its time; dead letters keep their error', () =>
      withStore(async (store) => {
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        await claim(store, 'd1', 100);
        expect(
          await store.settleMessage(
            r.id,
            'd1',
            { kind: 'retry', error: 'boom', nextAttemptAt: 500 },
            110,
          ),
        ).toBe(true);
        expect(await claim(store, 'd1', 499)).toEqual([]);
        const again = await claim(store, 'd1', 500);
        expect(again[0]).toMatchObject({ attempts: 2, lastError: 'boom' });
        expect(await store.settleMessage(r.id, 'd1', { kind: 'dead', error: 'gave up' }, 600)).toBe(
          true,
        );
        expect(await store.getMessage(r.id)).toMatchObject({
          status: 'dead',
          lastError: 'gave up',
        });
        expect(await store.countByStatus('deacon')).toEqual({
          open: 0,
          claimed: 0,
          done: 0,
          dead: 1,
        });
        expect((await store.listByStatus('deacon', 'dead', 10)).map((m) => m.id)).toEqual([r.id]);
      }));

    it('release puts claims back without counting an attempt', () =>
      withStore(async (store) => {
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        await claim(store, 'd1', 100);
        expect(await store.releaseClaims('d1')).toBe(1);
        expect(await store.getMessage(r.id)).toMatchObject({
          status: 'open',
          attempts: 0,
          claimOwner: null,
        });
      }));

    it('claims in arrival order and honours the limit', () =>
      withStore(async (store) => {
        const ids = [];
        for (let i = 0; i < 5; i++)
          ids.push((await store.sendMessage(mail({ to: 'deacon', subject: `r${i}` }))).id);
        expect((await claim(store, 'd1', 100, { limit: 3 })).map((m) => m.id)).toEqual(
          ids.slice(0, 3),
        );
        expect((await claim(store, 'd1', 100, { limit: 3 })).map((m) => m.id)).toEqual(
          ids.slice(3),
        );
      }));
  });

  describe(`${name}: each daemon acts for its own host's agents`, () => {
    const claimAs = (store: Store, host: string, now: number, onlyOwnHostAgents = true) =>
      store.claimMessages({
        to: 'deacon',
        owner: `${host}-daemon`,
        host,
        now,
        leaseMs: 1_000,
        limit: 10,
        onlyOwnHostAgents,
      });
    const request = (store: Store, from: string) =>
      store.sendMessage(mail({ from, to: 'deacon', subject: `LIFECYCLE: ${from}` }));

    it('skips requests whose sender is recorded on another host; unrecorded senders are anyone’s', () =>
      withStore(async (store) => {
        await store.patchAgent('alpha/crew/a', { host: 'h1' });
        await store.patchAgent('alpha/crew/b', { host: 'h2' });
        await store.patchAgent('alpha/crew/n', { session: 'gt-alpha-crew-n' }); // no host yet
        const a = await request(store, 'alpha/crew/a');
        const b = await request(store, 'alpha/crew/b');
        const n = await request(store, 'alpha/crew/n');
        const u = await request(store, 'alpha/crew/unknown');
        expect((await claimAs(store, 'h1', 100)).map((m) => m.id)).toEqual([a.id, n.id, u.id]);
        expect((await claimAs(store, 'h1', 100)).map((m) => m.id)).toEqual([]);
        expect((await claimAs(store, 'h2', 100)).map((m) => m.id)).toEqual([b.id]);
      }));

    it('without the flag every due request is claimable, as before', () =>
      withStore(async (store) => {
        await store.patchAgent('alpha/crew/b', { host: 'h2' });
        const b = await request(store, 'alpha/crew/b');
        expect((await claimAs(store, 'h1', 100, false)).map((m) => m.id)).toEqual([b.id]);
      }));

    it('an expired or taken-over claim stays with the sender’s host', () =>
      withStore(async (store) => {
        await store.patchAgent('alpha/crew/b', { host: 'h2' });
        const b = await request(store, 'alpha/crew/b');
        expect((await claimAs(store, 'h2', 100)).map((m) => m.id)).toEqual([b.id]);
        // the lease has run out: only another daemon of h2 may take it
        expect(await claimAs(store, 'h1', 5_000)).toEqual([]);
        const taken = await store.claimMessages({
          to: 'deacon',
          owner: 'h1-new',
          host: 'h1',
          now: 5_000,
          leaseMs: 1_000,
          limit: 10,
          takeOverHost: true,
          onlyOwnHostAgents: true,
        });
        expect(taken).toEqual([]);
        const again = await claimAs(store, 'h2', 5_000);
        expect(again.map((m) => [m.id, m.attempts])).toEqual([[b.id, 2]]);
      }));

    it('an agent that moves host takes its pending requests along', () =>
      withStore(async (store) => {
        await store.patchAgent('alpha/crew/b', { host: 'h2' });
        const b = await request(store, 'alpha/crew/b');
        await store.patchAgent('alpha/crew/b', { host: 'h1' });
        expect(await claimAs(store, 'h2', 100)).toEqual([]);
        expect((await claimAs(store, 'h1', 100)).map((m) => m.id)).toEqual([b.id]);
      }));

    it('nextDueAt sees only what the host may claim', () =>
      withStore(async (store) => {
        await store.patchAgent('alpha/crew/b', { host: 'h2' });
        await request(store, 'alpha/crew/b');
        expect(await store.nextDueAt('deacon', { host: 'h1', onlyOwnHostAgents: true })).toBeNull();
        expect(await store.nextDueAt('deacon', { host: 'h2', onlyOwnHostAgents: true })).toBe(0);
        expect(await store.nextDueAt('deacon', { host: 'h1' })).toBe(0);
        expect(await store.nextDueAt('deacon')).toBe(0);
        await claimAs(store, 'h2', 100);
        expect(await store.nextDueAt('deacon', { host: 'h1', onlyOwnHostAgents: true })).toBeNull();
        expect(await store.nextDueAt('deacon', { host: 'h2', onlyOwnHostAgents: true })).toBe(
          1_100,
        );
      }));
  });

  describe(`${name}: events and agents`, () => {
    it('records events in order and filters by time and sequence', () =>
      withStore(async (store) => {
        const e1 = await store.recordEvent({
          ts: 100,
          kind: 'request.done',
          identity: 'a/crew/b',
          data: { x: 1 },
        });
        await store.recordEvent({ ts: 200, kind: 'agent.started', durationMs: 12 });
        expect((await store.listEvents()).map((e) => e.kind)).toEqual([
          'request.done',
          'agent.started',
        ]);
        expect((await store.listEvents({ sinceTs: 150 })).map((e) => e.kind)).toEqual([
          'agent.started',
        ]);
        expect((await store.listEvents({ afterSeq: e1.seq })).map((e) => e.kind)).toEqual([
          'agent.started',
        ]);
        expect((await store.listEvents())[0]?.data).toEqual({ x: 1 });
      }));

    it('gives the newest events of a limit, oldest first, and the oldest without newest', () =>
      withStore(async (store) => {
        for (const ts of [100, 200, 300, 400])
          await store.recordEvent({
            ts,
            kind: 'agent.started',
            identity: ts === 300 ? 'mayor' : 'a/crew/b',
          });
        const ts = (events: Array<{ ts: number }>): number[] => events.map((e) => e.ts);
        expect(ts(await store.listEvents({ limit: 2, newest: true }))).toEqual([300, 400]);
        expect(ts(await store.listEvents({ limit: 2 }))).toEqual([100, 200]);
        const mine = await store.listEvents({ identity: 'a/crew/b', limit: 2, newest: true });
        expect(ts(mine)).toEqual([200, 400]);
        expect(ts(await store.listEvents({ sinceTs: 350, limit: 5, newest: true }))).toEqual([400]);
      }));

    it('filters events by agent, and purges those older than a time', () =>
      withStore(async (store) => {
        await store.recordEvent({ ts: 100, kind: 'agent.died', identity: 'a/crew/b' });
        await store.recordEvent({ ts: 200, kind: 'agent.started', identity: 'mayor' });
        await store.recordEvent({ ts: 300, kind: 'agent.started', identity: 'a/crew/b' });
        const of = async (identity: string): Promise<number[]> =>
          (await store.listEvents({ identity })).map((e) => e.ts);
        expect(await of('a/crew/b')).toEqual([100, 300]);
        expect(await of('mayor')).toEqual([200]);
        expect(await of('a/crew/nobody')).toEqual([]);
        expect(await store.purgeEvents(200)).toBe(1);
        expect((await store.listEvents()).map((e) => e.ts)).toEqual([200, 300]);
        expect(await store.purgeEvents(200)).toBe(0);
      }));

    it('patches agents field by field, creating them on first use', () =>
      withStore(async (store) => {
        const first = await store.patchAgent('mayor', {
          host: 'h',
          session: 'gt-mayor',
          tokenHash: 'aa',
          startedAt: 1,
        });
        expect(first).toMatchObject({
          identity: 'mayor',
          desired: 'running',
          restarts: [],
          sessionConfirmed: false,
          parkedAt: null,
        });
        await store.patchAgent('mayor', {
          tokenHash: 'bb',
          restarts: [5, 6],
          sessionConfirmed: true,
        });
        expect(await store.getAgent('mayor')).toMatchObject({
          host: 'h',
          tokenHash: 'bb',
          startedAt: 1,
          restarts: [5, 6],
          sessionConfirmed: true,
        });
        await store.patchAgent('mayor', { parkedAt: null, desired: 'stopped', lastExit: 'bye' });
        expect(await store.getAgent('mayor')).toMatchObject({
          desired: 'stopped',
          lastExit: 'bye',
          tokenHash: 'bb',
        });
        expect((await store.listAgents()).length).toBe(1);
        expect(await store.getAgent('deacon')).toBeUndefined();
      }));

    it('a patch key given as undefined clears the field; absent keys are kept', () =>
      withStore(async (store) => {
        await store.patchAgent('mayor', { host: 'h', session: 's', lastExit: 'x' });
        const after = await store.patchAgent('mayor', { session: undefined });
        expect(after).toMatchObject({ host: 'h', session: null, lastExit: 'x' });
        expect(after.updatedAt).toBeGreaterThan(0);
      }));

    it('settling needs the claim: open, settled and other owners’ messages are refused', () =>
      withStore(async (store) => {
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        const done = { kind: 'done', outcome: 'ok' } as const;
        expect(await store.settleMessage(r.id, 'd1', done, 10)).toBe(false);
        await store.claimMessages({
          to: 'deacon',
          owner: 'd1',
          host: 'h',
          now: 100,
          leaseMs: 10,
          limit: 5,
        });
        expect(await store.settleMessage(r.id, 'd2', done, 110)).toBe(false);
        expect(await store.settleMessage(r.id, 'd2', { kind: 'dead', error: 'x' }, 110)).toBe(
          false,
        );
        expect(await store.settleMessage(r.id, 'd1', done, 110)).toBe(true);
        expect(await store.settleMessage(r.id, 'd1', done, 120)).toBe(false);
        expect(await store.releaseClaims('d1')).toBe(0);
        expect(await store.countByStatus('deacon')).toEqual({
          open: 0,
          claimed: 0,
          done: 1,
          dead: 0,
        });
        expect(await store.nextDueAt('deacon')).toBeNull();
      }));

    it('message sequence numbers and event sequence numbers increase', () =>
      withStore(async (store) => {
        const a = await store.sendMessage(mail());
        const b = await store.sendMessage(mail());
        expect(b.seq).toBeGreaterThan(a.seq);
        expect((await store.getMessage(b.id))?.seq).toBe(b.seq);
        const e1 = await store.recordEvent({ kind: 'agent.started' });
        const e2 = await store.recordEvent({
          kind: 'agent.died',
          data: { nested: { list: [1, 'two'] } },
        });
        expect(e2.seq).toBeGreaterThan(e1.seq);
        expect(e2.data).toEqual({ nested: { list: [1, 'two'] } });
        expect((await store.listEvents({ limit: 1 })).map((e) => e.kind)).toEqual([
          'agent.started',
        ]);
      }));

    it('records when a request was first claimed, and keeps it across claims', () =>
      withStore(async (store) => {
        const r = await store.sendMessage(mail({ to: 'deacon' }));
        await store.claimMessages({
          to: 'deacon',
          owner: 'a',
          host: 'h',
          now: 100,
          leaseMs: 10,
          limit: 5,
        });
        const again = await store.claimMessages({
          to: 'deacon',
          owner: 'b',
          host: 'h',
          now: 200,
          leaseMs: 10,
          limit: 5,
        });
        expect(again[0]).toMatchObject({ id: r.id, firstClaimedAt: 100 });
      }));
  });
}
