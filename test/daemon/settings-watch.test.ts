// The settings file watched by a running daemon: a change is seen once, no change is nothing,
// and a file gt cannot use is an error that leaves the next look able to see a fix.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsWatch } from '../../src/daemon/settings-watch.js';
import { settingsFile } from '../../src/town/settings.js';
import { waitFor } from '../helpers/temp.js';
import { makeTown, runDaemon } from '../helpers/town.js';

describe('SettingsWatch', () => {
  it('sees each change once; a bad file throws, and its fix is seen', async () => {
    const town = await makeTown();
    const watch = new SettingsWatch(town.root);
    expect(watch.changed()).toBeUndefined();
    const file = settingsFile(town.root);
    writeFileSync(file, JSON.stringify({ failures: { backoff: '7s' } }));
    expect(watch.changed()?.failures.backoff).toBe('7s');
    expect(watch.changed()).toBeUndefined();
    writeFileSync(file, JSON.stringify({ failures: { backoff: 'soon' } }));
    expect(() => watch.changed()).toThrow(/failures\.backoff/);
    writeFileSync(file, JSON.stringify({ failures: { backoff: '9s' } }));
    expect(watch.changed()?.failures.backoff).toBe('9s');
  });

  it('a file rewritten in place at once with the same size is seen changed (its times may not move)', async () => {
    const town = await makeTown();
    const watch = new SettingsWatch(town.root);
    const file = settingsFile(town.root);
    for (const backoff of ['1s', '2s', '3s', '4s']) {
      writeFileSync(file, JSON.stringify({ failures: { backoff } }));
      expect(watch.changed()?.failures.backoff).toBe(backoff);
      expect(watch.pending()).toBe(false);
    }
  });

  it('a running daemon given a bad settings file says so and serves on with the old ones', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '150ms', keep_alive: [] } } });
    await runDaemon(town);
    const file = settingsFile(town.root);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, '{ "daemon": { "heartbeat": "often" ');
    const log = join(town.root, 'daemon', 'daemon.log');
    await waitFor('the warning', () => readFileSync(log, 'utf8').includes('cannot be used'));
    writeFileSync(file, good);
    await waitFor('taken up again', () =>
      readFileSync(log, 'utf8').includes('settings changed: taken up'),
    );
    const beats = (): Promise<number> =>
      town
        .gtOk(['daemon', 'status', '--json'])
        .then((t) => (JSON.parse(t) as { heartbeat_count: number }).heartbeat_count);
    const first = await beats();
    await waitFor('more heartbeats', async () => (await beats()) > first + 2);
  });
});
