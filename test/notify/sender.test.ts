// What notifies, as a table over plain events; and the sender against real HTTP receivers on
// 127.0.0.1 (answering 200, 500, hanging, refusing) and a real SQLite outbox.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notificationsFor, toldOf } from '../../src/notify/rules.js';
import { NotificationSender } from '../../src/notify/sender.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../../src/store/store.js';
import { parseSettings } from '../../src/town/settings.js';
import { maskedSettings } from '../../src/town/settings-show.js';
import type { Settings } from '../../src/town/settings.js';
import { onCleanup, tempDir } from '../helpers/temp.js';
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
    const channels = settings.notify.channels;
    const on = (e: NewEvent) => notificationsFor(e, channels).map((n) => n.channel);
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

function setup(urls: Record<string, string>, over: Record<string, unknown> = {}) {
  const channels = Object.entries(urls).map(([name, url]) => ({ name, type: 'webhook', url }));
  const settings: Settings = parseSettings(
    { notify: { channels, timeout: '300ms', backoff: '10ms', backoff_max: '20ms', ...over } },
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
    expect(good.received.map((r) => r.id)).toEqual([all[0]?.id]);
    expect(good.received[0]?.body).toMatchObject({ kind: 'blocked', agent: MAX, text: 't\nx' });
    expect(flaky.received.map((r) => r.answer)).toEqual([500, 'hang', 200]);
    expect(new Set(flaky.received.map((r) => r.id))).toEqual(new Set([all[1]?.id]));
    expect(all[1]?.attempts).toBe(3);
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

  it('a hanging receiver costs one look its time limit, not more', async () => {
    const slow = await startReceiver();
    slow.fallback = 'hang';
    const s = setup({ slow: slow.url });
    await s.notify(MAX);
    const t0 = Date.now();
    await s.sender.look();
    expect(Date.now() - t0).toBeLessThan(2_000);
    const [n] = await s.store.listNotifications();
    expect(n).toMatchObject({ status: 'pending', lastError: 'no answer within 300 ms' });
  });
});
