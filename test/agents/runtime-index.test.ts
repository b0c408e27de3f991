// Which runtime an agent runs: its setting, else what its command tells, else Claude Code; the
// one list of runtimes, and what each one can do.
import { describe, expect, it } from 'vitest';
import {
  checkRuntimeSettings,
  commandOf,
  findRuntime,
  profileOf,
  runtimeOf,
  runtimeOfCommand,
  RUNTIMES,
  runtimeSettingProblems,
} from '../../src/agents/runtime/index.js';
import { SettingsError } from '../../src/errors.js';
import { parseSettings } from '../../src/town/settings.js';

describe('runtimes', () => {
  it.each([
    ['claude --dangerously-skip-permissions', 'claude'],
    ['/opt/node_modules/@anthropic-ai/claude-code/bin/claude.exe --x', 'claude'],
    ["'/opt/claude' --resume", 'claude'],
    ['IS_SANDBOX=1 claude', 'claude'],
    ['exec codex --no-daemon', 'codex'],
    ['gemini --yolo', 'gemini'],
    ['pi --continue', 'pi'],
    ['/cache/opencode-linux-x64/bin/opencode --auto', 'opencode'],
    ['pip install x', 'shell'],
    ['sleep 600', 'shell'],
    ['node gt.cjs agent demo', 'shell'],
    ['claudette', 'shell'],
  ])('%j runs %s', (command, runtime) => {
    expect(runtimeOfCommand(command)).toBe(runtime);
  });

  it('the setting wins; no command at all is Claude Code with its own command', () => {
    const settings = parseSettings({
      agents: { crew: { command: 'sleep 1', runtime: 'codex' }, witness: { command: 'sleep 1' } },
    });
    expect(runtimeOf(settings, 'crew').name).toBe('codex');
    expect(runtimeOf(settings, 'witness').name).toBe('shell');
    expect(runtimeOf(settings, 'mayor').name).toBe('claude');
    expect(commandOf(settings, 'mayor')).toBe('claude --dangerously-skip-permissions');
    expect(commandOf(settings, 'crew')).toBe('sleep 1');
  });

  it('agents.<role>.env: names checked, gt’s own variables refused', () => {
    expect(() => parseSettings({ agents: { crew: { env: { 'BAD NAME': 'x' } } } })).toThrow(
      /variable name/,
    );
    expect(() => parseSettings({ agents: { crew: { env: { GT_AGENT_TOKEN: 'x' } } } })).toThrow(
      /gt does not set/,
    );
    expect(parseSettings({ agents: { crew: { env: { HOME: '/h' } } } }).agents.crew.env).toEqual({
      HOME: '/h',
    });
  });

  it('a runtime name nobody knows: settings take its shape, the runtimes refuse it by name', () => {
    const settings = parseSettings({ agents: { crew: { runtime: 'aider' } } });
    const problem =
      'agents.crew.runtime = "aider": expected a runtime gastown-ts knows (claude, codex, gemini, pi, opencode, shell) or one of runtimes.<name>';
    expect(runtimeSettingProblems(settings)).toEqual([problem]);
    expect(() => checkRuntimeSettings(settings, 'config.json')).toThrow(SettingsError);
    expect(() => checkRuntimeSettings(settings, 'config.json')).toThrow(problem);
    expect(() => runtimeOf(settings, 'crew')).toThrow(problem);
    expect(() => commandOf(settings, 'crew')).toThrow(SettingsError);
    expect(runtimeOf(settings, 'mayor').name).toBe('claude');
    expect(runtimeSettingProblems(parseSettings({}))).toEqual([]);
    expect(() => parseSettings({ agents: { crew: { runtime: 'Not a name' } } })).toThrow(
      /agents\.crew\.runtime = "Not a name": expected a runtime name/,
    );
  });

  it('an agent record naming no runtime reads as Claude Code', () => {
    expect(profileOf({ runtime: 'gemini' }).name).toBe('gemini');
    expect(profileOf({ runtime: null }).name).toBe('claude');
    expect(profileOf({ runtime: 'constructor' }).name).toBe('claude');
  });
});

describe('the runtimes', () => {
  it('have one name each, shaped as settings take it', () => {
    const names = RUNTIMES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
  });

  it('the coding CLIs have a screen and a model; the shell runtime has neither', () => {
    for (const name of ['claude', 'codex', 'gemini', 'pi', 'opencode'])
      expect(findRuntime(name)?.capabilities).toEqual({ screen: true, model: true });
    expect(findRuntime('shell')?.capabilities).toEqual({ screen: false, model: false });
    // Any program no other runtime claims is a shell runtime.
    expect(RUNTIMES.filter((r) => r.program === null).map((r) => r.name)).toEqual(['shell']);
  });

  it.each(RUNTIMES.map((r) => [r.name, r] as const))(
    '%s: a screen it reads was recorded from its CLI',
    (_name, runtime) => {
      if (runtime.capabilities.screen) expect(runtime.recordedVersion).not.toBeNull();
    },
  );
});
