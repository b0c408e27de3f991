// Which runtime an agent runs: its setting, else what its command tells, else Claude Code.
import { describe, expect, it } from 'vitest';
import { commandOf, runtimeOf, runtimeOfCommand } from '../../src/agents/runtime/index.js';
import { parseSettings } from '../../src/town/settings.js';

describe('runtimes', () => {
  it.each([
    ['claude --dangerously-skip-permissions', 'claude'],
    ['/opt/node_modules/@anthropic-ai/claude-code/bin/claude.exe --x', 'claude'],
    ["'/opt/claude' --resume", 'claude'],
    ['IS_SANDBOX=1 claude', 'claude'],
    ['exec codex --no-daemon', 'codex'],
    ['gemini --yolo', 'gemini'],
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
});
