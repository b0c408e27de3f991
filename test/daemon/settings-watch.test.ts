// The settings file watched by a running daemon: a change is seen once, no change is nothing,
// and a file gt cannot use is an error that leaves the next look able to see a fix.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SettingsWatch } from '../../src/daemon/settings-watch.js';
import { settingsFile } from '../../src/town/settings.js';
import { makeTown } from '../helpers/town.js';

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
});
