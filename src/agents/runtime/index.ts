// The runtimes gastown-ts knows, in one list (adding a runtime is its profile file, its fixtures
// and its entry here), and which one an agent's session runs.
import { SettingsError } from '../../errors.js';
import type { Role } from '../../town/identity.js';
import { ROLES } from '../../town/identity.js';
import type { Settings } from '../../town/settings.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import type { RuntimeProfile } from './profile.js';
import { shell } from './shell.js';

/** The built-in runtimes; a command's program is matched against them in this order. */
export const RUNTIMES = [claude, codex, gemini, shell] as const;
/** A built-in runtime's name (`agents.<role>.runtime`, an agent record's `runtime`). */
export type RuntimeName = (typeof RUNTIMES)[number]['name'];

/** A role with neither a runtime nor a command of its own runs this one. */
const DEFAULT_RUNTIME: RuntimeProfile = claude;
/** A program no runtime claims runs as this one. */
const ANY_PROGRAM: RuntimeProfile = shell;

/** The runtime of this name; undefined for a name gastown-ts does not know. */
export function findRuntime(name: string): RuntimeProfile | undefined {
  return RUNTIMES.find((r) => r.name === name);
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
  return (RUNTIMES.find((r) => r.program?.test(name) === true) ?? ANY_PROGRAM).name;
}

/** The problem with `agents.<role>.runtime` naming no runtime, worded as settings problems are. */
function unknownRuntime(role: string, name: string): string {
  const known = RUNTIMES.map((r) => r.name).join(', ');
  return `agents.${role}.runtime = ${JSON.stringify(name)}: expected a runtime gastown-ts knows (${known})`;
}

/**
 * Every `agents.<role>.runtime` naming no runtime, for whoever loads settings above this layer
 * (town/settings.ts accepts any name-shaped string: the names live here).
 */
export function runtimeSettingProblems(settings: Settings): string[] {
  return ROLES.flatMap((role) => {
    const name = settings.agents[role].runtime;
    return name === null || findRuntime(name) !== undefined ? [] : [unknownRuntime(role, name)];
  });
}

/** Throws the SettingsError `file` deserves when a role names a runtime gastown-ts lacks. */
export function checkRuntimeSettings(settings: Settings, file = 'settings'): void {
  const problems = runtimeSettingProblems(settings);
  if (problems.length > 0) throw new SettingsError(file, problems);
}

/** The runtime a role runs: its setting, else what its command tells, else Claude Code. */
export function runtimeOf(settings: Settings, role: Role): RuntimeProfile {
  const agent = settings.agents[role];
  const name =
    agent.runtime ??
    (agent.command === null ? DEFAULT_RUNTIME.name : runtimeOfCommand(agent.command));
  const named = findRuntime(name);
  if (named === undefined) throw new SettingsError('settings', [unknownRuntime(role, name)]);
  return named;
}

/** The command a role's session runs: its own setting, else the runtime's. */
export function commandOf(settings: Settings, role: Role): string {
  return settings.agents[role].command ?? runtimeOf(settings, role).defaultCommand;
}

/** The profile of the runtime an agent was started with (an unknown name reads as claude). */
export function profileOf(record: { runtime: string | null }): RuntimeProfile {
  return findRuntime(record.runtime ?? '') ?? DEFAULT_RUNTIME;
}
