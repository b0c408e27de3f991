import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../src/errors.js';
import {
  defaultSettings,
  describeSettingKey,
  loadSettings,
  parseSettings,
} from '../../src/town/settings.js';
import { ms } from '../../src/util/duration.js';
import { tempDir } from '../helpers/temp.js';

function townWith(config: string | undefined): string {
  const root = tempDir('settings');
  mkdirSync(join(root, 'settings'));
  if (config !== undefined) writeFileSync(join(root, 'settings', 'config.json'), config);
  return root;
}

describe('settings', () => {
  it('every key has a default', () => {
    const s = defaultSettings();
    expect(s.tmux.socket).toBe('auto');
    expect(ms(s.daemon.heartbeat)).toBe(30_000);
    expect(ms(s.lifecycle.max_age)).toBe(3_600_000);
    expect(s.lifecycle.max_attempts).toBe(3);
    expect(s.lifecycle.require_verified_sender).toBe(true);
    // No command of its own: the runtime's (Claude Code, claude --dangerously-skip-permissions).
    expect(s.agents.crew.command).toBeNull();
    expect(s.agents.crew.runtime).toBeNull();
    expect(s.agents.crew.sync).toBe(true);
    expect(s.agents.witness.sync).toBe(false);
    expect(s.sync.command).toBeNull();
    expect(s.store.url).toBeNull();
    expect(s.daemon.keep_alive).toEqual(['mayor', 'deacon', '*/witness', '*/refinery']);
    expect(s.daemon.host).toBeTruthy();
  });

  it('a missing file means defaults', () => {
    expect(loadSettings(townWith(undefined), { env: {} }).settings.tmux.socket).toBe('auto');
  });

  it('nested keys from the file override defaults and keep siblings', () => {
    const root = townWith(
      JSON.stringify({ daemon: { heartbeat: '5s' }, agents: { crew: { command: 'bash' } } }),
    );
    const { settings } = loadSettings(root, { env: {} });
    expect(settings.daemon.heartbeat).toBe('5s');
    expect(settings.daemon.restart.backoff).toBe('30s');
    expect(settings.agents.crew.command).toBe('bash');
    expect(settings.agents.crew.sync).toBe(true);
  });

  it('precedence: flags > environment > file > defaults', () => {
    const root = townWith(
      JSON.stringify({ tmux: { socket: 'file' }, lifecycle: { max_attempts: 4 } }),
    );
    const env = {
      GT_TMUX_SOCKET: 'env',
      GT_LIFECYCLE_MAX_ATTEMPTS: '7',
      GT_DATABASE_URL: 'postgres://x',
    };
    const loaded = loadSettings(root, { env, overrides: { 'tmux.socket': 'flag' } });
    expect(loaded.settings.tmux.socket).toBe('flag');
    expect(loaded.settings.lifecycle.max_attempts).toBe(7);
    expect(loaded.settings.store.url).toBe('postgres://x');
    expect(loaded.sources.get('tmux.socket')).toBe('flag');
    expect(loaded.sources.get('lifecycle.max_attempts')).toBe('env');
    expect(loadSettings(root, { env: {} }).settings.lifecycle.max_attempts).toBe(4);
  });

  it('keep_alive from the environment is a comma-separated list', () => {
    const { settings } = loadSettings(townWith(undefined), {
      env: { GT_DAEMON_KEEP_ALIVE: 'mayor, */witness' },
    });
    expect(settings.daemon.keep_alive).toEqual(['mayor', '*/witness']);
  });

  it('reports every problem at once, naming key, value and what was expected', () => {
    const bad = {
      daemon: { heartbeat: 'soon', keep_alive: ['../x'], typo: 1 },
      lifecycle: { max_attempts: 0 },
      tmux: { socket: 'a b' },
    };
    let error: unknown;
    try {
      parseSettings(bad, 'config.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems.join('\n');
    expect(problems).toMatch(/daemon\.heartbeat = "soon": expected a duration/);
    expect(problems).toMatch(/daemon\.keep_alive\.0 = "\.\.\/x"/);
    expect(problems).toMatch(/unknown key daemon\.typo/);
    expect(problems).toMatch(/lifecycle\.max_attempts = 0: expected at least 1/);
    expect(problems).toMatch(/tmux\.socket = "a b"/);
    expect((error as SettingsError).exitCode).toBe(2);
  });

  it('a bad value from the environment is reported like one from the file', () => {
    expect(() =>
      loadSettings(townWith(undefined), { env: { GT_LIFECYCLE_MAX_ATTEMPTS: 'many' } }),
    ).toThrow(
      /lifecycle\.max_attempts = "many": expected a whole number \(from GT_LIFECYCLE_MAX_ATTEMPTS\)/,
    );
  });

  it('invalid JSON and a non-object are clear errors', () => {
    expect(() => loadSettings(townWith('{ nope'), { env: {} })).toThrow(/not valid JSON/);
    expect(() => loadSettings(townWith('[1]'), { env: {} })).toThrow(/JSON object/);
  });

  it('documents keys', () => {
    expect(describeSettingKey('daemon.heartbeat')).toMatch(/wake-up/);
    expect(describeSettingKey('agents.crew.command')).toMatch(/first process/);
    expect(describeSettingKey('no.such.key')).toBeUndefined();
  });
});
