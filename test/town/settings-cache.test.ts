// Settings as a build parsed them are read back when the same build reads the same text again;
// any change (the file, the environment laid over it, another build) parses afresh.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { loadSettings } from '../../src/town/settings.js';
import { PARSED_SETTINGS_FILE } from '../../src/town/settings-cache.js';

const build = globalThis as { __gtBuildId?: string };

function town(settings: object): { root: string; write: (s: object) => void; cache: string } {
  const root = tempDir('settings-cache');
  mkdirSync(join(root, 'settings'));
  const write = (s: object): void =>
    writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(s));
  write(settings);
  return { root, write, cache: join(root, 'settings', PARSED_SETTINGS_FILE) };
}

describe('parsed settings kept by a build', () => {
  beforeEach(() => {
    build.__gtBuildId = 'abcdef0123456789';
  });
  afterEach(() => {
    delete build.__gtBuildId;
  });

  it('are kept private; a change of the file or of the environment over it is read anew', () => {
    const t = town({ daemon: { heartbeat: '5s' } });
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('5s');
    expect(statSync(t.cache).mode & 0o777).toBe(0o600);
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('5s');
    t.write({ daemon: { heartbeat: '7s' } });
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('7s');
    const env = { GT_DAEMON_HEARTBEAT: '9s' };
    expect(loadSettings(t.root, { env }).settings.daemon.heartbeat).toBe('9s');
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('7s');
  });

  it('are the very settings the schema gives, defaults and all', () => {
    const t = town({ agents: { crew: { budget: '$5' } }, notify: { channels: [] } });
    const first = loadSettings(t.root, { env: {} }).settings;
    const again = loadSettings(t.root, { env: {} }).settings;
    delete build.__gtBuildId; // from source: parsed every time, nothing kept
    const fresh = loadSettings(t.root, { env: {} }).settings;
    expect(again).toEqual(first);
    expect(again).toEqual(fresh);
  });

  it('another build’s, a damaged one or one of settings now wrong are not used', () => {
    const t = town({ daemon: { heartbeat: '5s' } });
    loadSettings(t.root, { env: {} });
    const kept = JSON.parse(readFileSync(t.cache, 'utf8')) as { settings: { daemon: object } };
    // Settings that text does not give, as if this build had kept them.
    kept.settings.daemon = { heartbeat: '1h' };
    writeFileSync(t.cache, JSON.stringify(kept));
    // Read back as kept (so changed by hand here, not parsed again)…
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('1h');
    // …but not under another build.
    writeFileSync(t.cache, JSON.stringify({ ...kept, build: '0000000000000000' }));
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('5s');
    writeFileSync(t.cache, '{"build": "abcdef0123456789", "settings": ');
    expect(loadSettings(t.root, { env: {} }).settings.daemon.heartbeat).toBe('5s');
    t.write({ daemon: { heartbeat: 'soon' } });
    expect(() => loadSettings(t.root, { env: {} })).toThrow(/daemon.heartbeat/);
  });
});
