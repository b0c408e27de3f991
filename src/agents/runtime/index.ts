// The runtimes gastown-ts knows, in one list (adding a runtime is its profile file, its fixtures
// and its entry here), and which one an agent's session runs.
import { SettingsError } from '../../errors.js';
import type { Role } from '../../town/identity.js';
import { ROLES } from '../../town/identity.js';
import type { Settings } from '../../town/settings.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';
import { pi } from './pi.js';
import { customProfile } from './custom.js';
import type { RuntimeProfile } from './profile.js';
import { shell } from './shell.js';

/** The built-in runtimes; a command's program is matched against them in this order. */
export const RUNTIMES = [claude, codex, gemini, pi, opencode, shell] as const;
/** A built-in runtime's name (`agents.<role>.runtime`, an agent record's `runtime`). */
export type RuntimeName = (typeof RUNTIMES)[number]['name'];

/** A role with neither a runtime nor a command of its own runs this one. */
const DEFAULT_RUNTIME: RuntimeProfile = claude;
/** A program no runtime claims runs as this one. */
const ANY_PROGRAM: RuntimeProfile = shell;

/** Each settings object's own runtimes (runtimes.<name>), made profiles once. */
const customOf = new WeakMap<Settings, ReadonlyMap<string, RuntimeProfile<string>>>();

function customRuntimes(
  settings: Settings | undefined,
): ReadonlyMap<string, RuntimeProfile<string>> {
  if (settings === undefined) return new Map();
  let made = customOf.get(settings);
  if (made === undefined) {
    const entries = Object.entries(settings.runtimes).filter(([name]) => !isBuiltIn(name));
    made = new Map(
      entries.map(([name, def]) => [name, customProfile(name, def, (style) => findRuntime(style))]),
    );
    customOf.set(settings, made);
  }
  return made;
}

function isBuiltIn(name: string): boolean {
  return RUNTIMES.some((r) => r.name === name);
}

/** The runtime of this name (a built-in, or one of `settings.runtimes`); undefined when none. */
export function findRuntime(name: string, settings?: Settings): RuntimeProfile<string> | undefined {
  return RUNTIMES.find((r) => r.name === name) ?? customRuntimes(settings).get(name);
}

/**
 * The runtime a command runs, told by its program's name (`claude`, `/opt/bin/codex` …);
 * any other program is a shell runtime.
 */
export function runtimeOfCommand(command: string, settings?: Settings): string {
  const words = command.trim().split(/\s+/);
  const program = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'exec') ?? '';
  const name =
    program
      .replace(/^['"]|['"]$/g, '')
      .split('/')
      .pop() ?? '';
  const all = [...customRuntimes(settings).values(), ...RUNTIMES];
  return (all.find((r) => r.program?.test(name) === true) ?? ANY_PROGRAM).name;
}

/** The problem with `agents.<role>.runtime` naming no runtime, worded as settings problems are. */
function unknownRuntime(settings: Settings, role: string, name: string): string {
  const known = [...RUNTIMES.map((r) => r.name), ...customRuntimes(settings).keys()].join(', ');
  return `agents.${role}.runtime = ${JSON.stringify(name)}: expected a runtime gastown-ts knows (${known}) or one of runtimes.<name>`;
}

/**
 * Every `agents.<role>.runtime` naming no runtime, and every `runtimes.<name>` that takes a
 * built-in's name, for whoever loads settings above this layer (town/settings.ts checks only
 * shapes: the built-in names live here).
 */
export function runtimeSettingProblems(settings: Settings): string[] {
  const shadowing = Object.keys(settings.runtimes)
    .filter(isBuiltIn)
    .map(
      (name) =>
        `runtimes.${name}: ${JSON.stringify(name)} is a built-in runtime; give yours another name (gt config show --explain prints the built-in as data to start from)`,
    );
  const unknown = ROLES.flatMap((role) => {
    const name = settings.agents[role].runtime;
    return name === null || findRuntime(name, settings) !== undefined
      ? []
      : [unknownRuntime(settings, role, name)];
  });
  return [...shadowing, ...unknown];
}

/** Throws the SettingsError `file` deserves when a role names a runtime gastown-ts lacks. */
export function checkRuntimeSettings(settings: Settings, file = 'settings'): void {
  const problems = runtimeSettingProblems(settings);
  if (problems.length > 0) throw new SettingsError(file, problems);
}

/** The runtime a role runs: its setting, else what its command tells, else Claude Code. */
export function runtimeOf(settings: Settings, role: Role): RuntimeProfile<string> {
  const agent = settings.agents[role];
  const name =
    agent.runtime ??
    (agent.command === null ? DEFAULT_RUNTIME.name : runtimeOfCommand(agent.command, settings));
  const named = findRuntime(name, settings);
  if (named === undefined)
    throw new SettingsError('settings', [unknownRuntime(settings, role, name)]);
  return named;
}

/** The command a role's session runs: its own setting, else the runtime's. */
export function commandOf(settings: Settings, role: Role): string {
  return settings.agents[role].command ?? runtimeOf(settings, role).defaultCommand;
}

/** The profile of the runtime an agent was started with (an unknown name reads as claude). */
export function profileOf(
  record: { runtime: string | null },
  settings?: Settings,
): RuntimeProfile<string> {
  return findRuntime(record.runtime ?? '', settings) ?? DEFAULT_RUNTIME;
}
