// What notifies, as a table over plain events; and the sender against real HTTP receivers on
// 127.0.0.1 (answering 200, 500, hanging, refusing) and a real SQLite outbox.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notificationsFor, toldOf } from '../../src/notify/rules.js';
import { NotificationSender } from '../../src/notify/sender.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../../src/store/store.js';
import { parseSettings } from '../../src/town/settings.js';
import { maskedSettings } from '../../src/town/settings-show.js';
import type { Settings } from '../../src/town/settings.js';
import { onCleanup, tempDir, waitFor } from '../helpers/temp.js';
import { refusingUrl, startReceiver } from './receiver.js';

const MAX = 'alpha/crew/max';

describe('what notifies', () => {
  it.each<[string, NewEvent, string | undefined]>([
    ['a blocked agent', { kind: 'agent.blocked', identity: MAX, reason: 'Allow?' }, 'blocked'],
    ['an auth hold', { kind: 'agent.failed', identity: MAX, outcome: 'auth' }, 'held'],
    [
      'a rate limit',
      { kind: 'agent.failed', identity: MAX, outcome: 'rate_limited' },
      'rate_limited',
    ],
    ['a network pause', { kind: 'agent.failed', identity: MAX, outcome: 'network' }, undefined],
    ['a crash loop', { kind: 'agent.parked', identity: MAX }, 'parked'],
    ['a stall marked', { kind: 'agent.stalled', identity: MAX, outcome: 'marked' }, 'stalled'],
    ['a stall asked about', { kind: 'agent.stalled', identity: MAX, outcome: 'nudged' }, undefined],
    ['a dead letter', { kind: 'request.dead', identity: MAX }, 'dead_letter'],
    [
      'a turn ended',
      { kind: 'agent.activity', identity: MAX, outcome: 'ready', reason: 'hook' },
      'done',
    ],
    ['a screen read', { kind: 'agent.activity', identity: MAX, outcome: 'ready' }, undefined],
    ['a nudge', { kind: 'nudge.delivered', identity: MAX }, undefined],
    [
      'the daemon after a crash',
      { kind: 'daemon.restarted', outcome: 'after a crash' },
      'daemon_restarted',
    ],
  ])('%s', (_name, event, kind) => {
    expect(toldOf(event)?.kind).toBe(kind);
  });

  it('goes to each channel that takes its kind and agent', () => {
    const settings = parseSettings(
      {
        notify: {
          channels: [
            { name: 'all', type: 'webhook', url: 'http://127.0.0.1:9/a' },
            {
              name: 'alpha',
              type: 'webhook',
              url: 'http://127.0.0.1:9/b',
              agents: ['alpha/crew/*'],
            },
            { name: 'done', type: 'webhook', url: 'http://127.0.0.1:9/c', kinds: ['done'] },
          ],
        },
      },
      'settings',
    );
    const on = (e: NewEvent) => notificationsFor(e, settings.notify).map((n) => n.channel);
    expect(on({ kind: 'agent.blocked', identity: MAX })).toEqual(['all', 'alpha']);
    expect(on({ kind: 'agent.blocked', identity: 'mayor' })).toEqual(['all']);
    expect(on({ kind: 'agent.activity', identity: MAX, outcome: 'ready', reason: 'hook' })).toEqual(
      ['done'],
    );
    expect(on({ kind: 'agent.activity', identity: MAX, outcome: 'busy' })).toEqual([]);
  });

  it('keeps its secrets out of gt config show: the URL’s path and every header', () => {
    const settings = parseSettings(
      {
        notify: {
          channels: [
            {
              name: 'slack',
              type: 'webhook',
              url: 'https://hooks.example.com/services/T000/B000/XXXXSECRET',
              headers: { Authorization: 'Bearer abc123' },
            },
          ],
        },
      },
      'settings',
    );
    const shown = JSON.stringify(maskedSettings(settings).notify);
    expect(shown).toContain('https://hooks.example.com/********');
    expect(shown).not.toContain('XXXXSECRET');
    expect(shown).not.toContain('abc123');
    expect(settings.notify.channels[0]?.url).toContain('XXXXSECRET'); // the settings in use keep it
  });

  it('refuses a channel it cannot use, with the key', () => {
    const bad = (channel: unknown) => () =>
      parseSettings({ notify: { channels: [channel] } }, 'settings');
    expect(bad({ name: 'x', type: 'webhook', url: 'file:///etc/passwd' })).toThrow(/http/);
    expect(bad({ name: 'Bad Name', type: 'webhook', url: 'http://x' })).toThrow(/channel name/);
    expect(bad({ name: 'x', type: 'pager', url: 'http://x' })).toThrow(/notify\.channels/);
  });
});

function setup(
  urls: Record<string, string | Record<string, unknown>>,
  over: Record<string, unknown> = {},
) {
  const channels = Object.entries(urls).map(([name, url]) =>
    typeof url === 'string' ? { name, type: 'webhook', url } : { name, ...url },
  );
  const settings: Settings = parseSettings(
    { notify: { channels, timeout: '1s', backoff: '10ms', backoff_max: '20ms', ...over } },
    'settings',
  );
  const store = SqliteStore.open(join(tempDir('notify'), 'town.db'));
  onCleanup(() => store.close());
  const errors: string[] = [];
  const sender = new NotificationSender({
    store,
    settings: () => settings,
    now: Date.now,
    onError: (what, err) => errors.push(`${what}: ${String(err)}`),
  });
  const notify = (identity: string) =>
    store.recordEvent(
      { kind: 'agent.blocked', identity, reason: 'Allow?' },
      channels.map((c) => ({ channel: c.name, kind: 'blocked', identity, title: 't', text: 'x' })),
    );
  return { store, sender, notify, errors };
}

/** Looks until nothing is pending, as the daemon's sender does every 250 ms. */
async function drain(s: ReturnType<typeof setup>, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await s.sender.look();
    await s.sender.settled();
    if ((await s.store.listNotifications({ statuses: ['pending'] })).length === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the sender', () => {
  it('delivers with its id; a 500 and a hang are tried again; received once it works', async () => {
    const good = await startReceiver();
    const flaky = await startReceiver();
    flaky.script(500, 'hang');
    const s = setup({ good: good.url, flaky: flaky.url });
    await s.notify(MAX);
    await drain(s);
    const all = await s.store.listNotifications();
    expect(all.map((n) => [n.channel, n.status])).toEqual([
      ['good', 'delivered'],
      ['flaky', 'delivered'],
    ]);
    // Once, unless a busy machine made its answer later than the limit (then again, same id).
    expect(new Set(good.received.map((r) => r.id))).toEqual(new Set([all[0]?.id]));
    expect(good.received[0]?.body).toMatchObject({ kind: 'blocked', agent: MAX, text: 't\nx' });
    expect(flaky.received.map((r) => r.answer).slice(0, 3)).toEqual([500, 'hang', 200]);
    expect(new Set(flaky.received.map((r) => r.id))).toEqual(new Set([all[1]?.id]));
    expect(all[1]?.attempts).toBeGreaterThanOrEqual(3);
    expect(s.errors).toEqual([]);
  });

  it('dead-letters after notify.max_attempts, with the last error', async () => {
    const s = setup({ gone: await refusingUrl() }, { max_attempts: 3 });
    await s.notify(MAX);
    await drain(s);
    const [dead] = await s.store.listNotifications({ statuses: ['dead'] });
    expect(dead?.attempts).toBe(3);
    expect(dead?.lastError).toMatch(/ECONNREFUSED \(after 3 tries\)/);
  });

  it('a hanging receiver holds up only its own deliveries, each for its time limit', async () => {
    const slow = await startReceiver();
    slow.fallback = 'hang';
    const good = await startReceiver();
    const s = setup({ slow: slow.url, good: good.url });
    await s.notify(MAX);
    const t0 = Date.now();
    await s.sender.look();
    await waitFor('the healthy channel served', () => good.received.length === 1, 900, 5);
    expect(Date.now() - t0).toBeLessThan(900); // before the hanging one's limit (1 s) ran out
    await s.sender.settled();
    expect(Date.now() - t0).toBeLessThan(3_000);
    const [n] = await s.store.listNotifications();
    expect(n).toMatchObject({
      channel: 'slow',
      status: 'pending',
      lastError: 'no answer within 1000 ms',
    });
  });
});

describe('a flood', () => {
  it('folds: repeats of a kind for an agent are sent once, then as one count', async () => {
    const hook = await startReceiver();
    const s = setup({ hook: hook.url }, { fold_window: '1s' });
    const settings = parseSettings(
      {
        notify: { channels: [{ name: 'hook', type: 'webhook', url: hook.url }], fold_window: '1s' },
      },
      'settings',
    );
    for (let i = 0; i < 5; i++) {
      const event: NewEvent = {
        kind: 'agent.blocked',
        identity: MAX,
        reason: `Allow ${i}?`,
        ts: Date.now(),
      };
      await s.store.recordEvent(event, notificationsFor(event, settings.notify));
    }
    const other: NewEvent = { kind: 'agent.blocked', identity: 'mayor', ts: Date.now() };
    await s.store.recordEvent(other, notificationsFor(other, settings.notify));
    await waitFor(
      'all sent',
      async () => {
        await s.sender.look();
        return (await s.store.listNotifications({ statuses: ['pending'] })).length === 0;
      },
      5_000,
      50,
    );
    const mine = hook.received.filter((r) => r.body.agent === MAX);
    expect(mine.reduce((sum, r) => sum + Number(r.body.repeats), 0)).toBe(5);
    expect(mine.length).toBeLessThanOrEqual(3); // a window's edge may fall between them
    expect(mine.some((r) => /more times since/.test(String(r.body.title)))).toBe(true);
    expect(hook.received.filter((r) => r.body.agent === 'mayor')).toHaveLength(1);
  });

  it('is not folded with fold_window 0s, nor a test', () => {
    const settings = parseSettings(
      {
        notify: {
          channels: [{ name: 'h', type: 'webhook', url: 'http://127.0.0.1:9' }],
          fold_window: '0s',
        },
      },
      'settings',
    );
    expect(
      notificationsFor({ kind: 'agent.parked', identity: MAX }, settings.notify)[0]?.fold,
    ).toBeUndefined();
    const folding = parseSettings(
      {
        notify: {
          channels: [{ name: 'h', type: 'webhook', url: 'http://127.0.0.1:9', kinds: ['test'] }],
        },
      },
      'settings',
    );
    expect(notificationsFor({ kind: 'notify.test' }, folding.notify)[0]?.fold).toBeUndefined();
  });
});

describe('a channel’s rate limit', () => {
  it('sends notify.rate_limit a minute; the rest wait their turn, no attempt spent', async () => {
    const hook = await startReceiver();
    const s = setup({ hook: hook.url }, { rate_limit: 2 });
    for (const who of ['mayor', 'deacon', MAX, 'alpha/crew/bob']) await s.notify(who);
    const t0 = Date.now();
    await s.sender.look();
    await s.sender.settled();
    expect(hook.received).toHaveLength(2);
    const waiting = await s.store.listNotifications({ statuses: ['pending'] });
    expect(waiting.map((n) => n.attempts)).toEqual([0, 0]);
    for (const n of waiting) expect(n.nextAttemptAt).toBeGreaterThanOrEqual(t0 + 59_000);
    await s.sender.look();
    await s.sender.settled();
    expect(hook.received).toHaveLength(2);
  });
});

describe('the other channel types', () => {
  it('ntfy: a POST of the text to the topic, title, priority and tags in headers', async () => {
    const topic = await startReceiver();
    const s = setup({ phone: { type: 'ntfy', url: topic.url } });
    await s.notify(MAX);
    await drain(s);
    const [got] = topic.received;
    expect(got?.headers).toMatchObject({ title: 't', priority: '4', tags: 'blocked' });
    expect(got?.id).toBe((await s.store.listNotifications())[0]?.id);
  });

  it('command: the notification as JSON on its standard input, no shell; a failure retried', async () => {
    const out = join(tempDir('notify-cmd'), 'got.json');
    const script =
      'const fs = require("fs"); const n = Number(process.argv[2]); if (fs.existsSync(process.argv[1] + ".tried") || n === 0) { fs.writeFileSync(process.argv[1], fs.readFileSync(0)); } else { fs.writeFileSync(process.argv[1] + ".tried", ""); process.exit(3); }';
    const command = [process.execPath, '-e', script, out, '1'];
    // A node process takes its time to start on a busy machine: a limit it cannot miss.
    const s = setup({ mine: { type: 'command', command } }, { timeout: '10s' });
    await s.notify('alpha/crew/$(touch pwned)');
    await drain(s);
    const [n] = await s.store.listNotifications();
    expect(n).toMatchObject({ status: 'delivered', attempts: 2 });
    const got = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(got).toMatchObject({ id: n?.id, kind: 'blocked', agent: 'alpha/crew/$(touch pwned)' });
  });

  it('desktop without notify-send on the PATH: dead at once, saying so (PATH emptied: a stand-in for a machine without it)', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('empty-path');
    try {
      const s = setup({ desk: { type: 'desktop' } });
      await s.notify(MAX);
      await s.sender.look();
      await s.sender.settled();
      const [n] = await s.store.listNotifications();
      expect(n).toMatchObject({ status: 'dead', attempts: 1, lastError: 'notify-send not found' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('refuses a channel without what its type needs', () => {
    const bad = (channel: unknown) => () =>
      parseSettings({ notify: { channels: [channel] } }, 'settings');
    expect(bad({ name: 'x', type: 'ntfy' })).toThrow(/needs its url/);
    expect(bad({ name: 'x', type: 'command' })).toThrow(/needs its command/);
    expect(bad({ name: 'x', type: 'command', command: [] })).toThrow(/notify\.channels/);
  });
});
