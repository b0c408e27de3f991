// gt config get|set|unset over a real town's settings file: one key changed, the rest kept,
// every change checked before it is written, a broken file mendable, secrets never printed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withKey, withoutKey } from '../../src/town/settings-edit.js';
import { makeTown } from '../helpers/town.js';

describe('settings edits, pure', () => {
  it('sets and unsets a dotted key, keeping the rest and its order, pruning what empties', () => {
    const raw = { daemon: { heartbeat: '1s', host: 'h' }, mail: { retention: '1d' } };
    expect(withKey(raw, 'daemon.heartbeat', '45s')).toEqual({
      daemon: { heartbeat: '45s', host: 'h' },
      mail: { retention: '1d' },
    });
    expect(Object.keys(withKey(raw, 'agents.crew.budget', '$5'))).toEqual([
      'daemon',
      'mail',
      'agents',
    ]);
    expect(withoutKey(raw, 'mail.retention')).toEqual({ daemon: { heartbeat: '1s', host: 'h' } });
    expect(withoutKey(raw, 'mail.nothing')).toBe(raw);
    expect(withoutKey(raw, 'nothing.at.all')).toBe(raw);
    expect(raw.mail.retention).toBe('1d'); // never changed in place
    for (const bad of ['', 'a..b', '.a', 'a.__proto__.b', 'a b'])
      expect(() => withKey(raw, bad, 1), bad).toThrow(/is not a settings key/);
  });
});

describe('gt config get|set|unset', () => {
  it('changes one key, checked first; the file keeps the rest', async () => {
    const town = await makeTown();
    const file = join(town.root, 'settings', 'config.json');
    const before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    await town.gtOk(['config', 'set', 'daemon.heartbeat', '45s']);
    await town.gtOk(['config', 'set', 'agents.crew.budget', '$5']);
    await town.gtOk(['config', 'set', 'daemon.keep_alive', '["mayor","*/witness"]']);
    expect(await town.gtOk(['config', 'get', 'daemon.heartbeat'])).toBe('45s\n');
    expect(JSON.parse(await town.gtOk(['config', 'get', 'agents.crew.budget', '--json']))).toEqual({
      key: 'agents.crew.budget',
      value: '$5',
      source: 'file/default',
    });
    expect(await town.gtOk(['config', 'get', 'daemon.keep_alive'])).toBe('["mayor","*/witness"]\n');
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    for (const key of Object.keys(before)) expect(after[key], key).toBeDefined();

    const bad = await town.gt(['config', 'set', 'daemon.heartbeat', 'banana']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/daemon\.heartbeat = "banana": expected a duration/);
    const unknown = await town.gt(['config', 'set', 'daemon.heartbeats', '1s']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown key daemon\.heartbeats/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(after); // nothing written

    expect(await town.gtOk(['config', 'unset', 'agents.crew.budget'])).toMatch(/unset in/);
    expect(await town.gtOk(['config', 'unset', 'agents.crew.budget'])).toMatch(/was not set in/);
    expect(await town.gtOk(['config', 'get', 'agents.crew.budget'])).toBe('null\n');
    const missing = await town.gt(['config', 'get', 'daemon.nothing']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no setting daemon\.nothing/);
  });

  it('mends a file another hand broke, and never prints a secret', async () => {
    const town = await makeTown();
    const file = join(town.root, 'settings', 'config.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...raw, daemon: { heartbeat: 'never' } }));
    expect((await town.gt(['status'])).code).toBe(2);
    await town.gtOk(['config', 'set', 'daemon.heartbeat', '30s']);
    await town.gt(['status']).then((r) => expect(r.code, r.stderr).toBe(0));
    await town.gtOk(['config', 'set', 'agents.crew.env.API_KEY', 'sk-very-secret-value']);
    const shown = await town.gtOk(['config', 'get', 'agents.crew.env.API_KEY']);
    expect(shown).not.toContain('very-secret');
  });
});
