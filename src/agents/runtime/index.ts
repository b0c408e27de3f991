// The runtimes by name (agents.<role>.runtime), and what an agent's session is made of with one.
import type { Settings, RuntimeName } from '../../town/settings.js';
import type { Role } from '../../town/identity.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import type { RuntimeProfile } from './profile.js';
import { shell } from './shell.js';

const PROFILES: Readonly<Record<RuntimeName, RuntimeProfile>> = { claude, codex, gemini, shell };

export function runtimeProfile(name: RuntimeName): RuntimeProfile {
  return PROFILES[name];
}

/**
 * The runtime a command runs, told by its program's name (`claude`, `/opt/bin/codex` …);
 * any other program is a shell runtime.
 */
export function runtimeOfCommand(command: string): RuntimeName {
  const words = command.trim().split(/\s+/);
  const program = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'exec') ?? '';
  const name =
    program
      .replace(/^['"]|['"]$/g, '')
      .split('/')
      .pop() ?? '';
  if (/^claude(\.exe)?$/.test(name)) return 'claude';
  if (name === 'codex') return 'codex';
  if (name === 'gemini') return 'gemini';
  return 'shell';
}

/** The runtime a role runs: its setting, else what its command tells, else Claude Code. */
export function runtimeOf(settings: Settings, role: Role): RuntimeProfile {
  const agent = settings.agents[role];
  const name =
    agent.runtime ?? (agent.command === null ? 'claude' : runtimeOfCommand(agent.command));
  return runtimeProfile(name);
}

/** The command a role's session runs: its own setting, else the runtime's. */
export function commandOf(settings: Settings, role: Role): string {
  return settings.agents[role].command ?? runtimeOf(settings, role).defaultCommand;
}

/** The profile of the runtime an agent was started with (an unknown name reads as claude). */
export function profileOf(record: { runtime: string | null }): RuntimeProfile {
  const name = record.runtime ?? '';
  return name in PROFILES ? PROFILES[name as RuntimeName] : claude;
}
