// Gemini CLI's hooks for an agent's work dir: merged into the project's .gemini/settings.json
// beside whatever the user keeps there (their entries are never dropped), and kept out of git.
// Gemini CLI reads project settings only in a folder it trusts: the work dir is recorded in its
// trusted folders before it starts, as choosing "Trust folder" in its dialog would (that choice
// restarts it, and under load it sometimes went on without restarting: no hooks, no --yolo). A
// project hook it has not seen is run after a one-line warning, and trusted from then on
// (~/.gemini/trusted_hooks.json), so no dialog stands in the way. Errors are shown in full there
// too (withFullErrors).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../../util/fs.js';
import type { HookGroup } from './claude-hooks.js';
import { excludeFromGit, hookGroup, mergeHookGroups, readSettings } from './claude-hooks.js';
import type { HookCommands } from './profile.js';

export const GEMINI_SETTINGS = join('.gemini', 'settings.json');

/**
 * Gemini CLI gives the model only the `additionalContext` of a hook's JSON answer (plain text
 * is shown to the person instead), so each gt command is told to answer that way.
 */
export function geminiHookCommand(command: string): string {
  return `${command} --hook-format gemini`;
}

/**
 * Our groups by Gemini CLI's event names: BeforeAgent fires when a prompt is submitted (its
 * `prompt` on stdin, as Claude Code's UserPromptSubmit), AfterAgent when the turn is over.
 */
export function geminiHookGroups(commands: HookCommands): Record<string, HookGroup> {
  const group = (cmds: readonly string[]): HookGroup => hookGroup(cmds.map(geminiHookCommand));
  return {
    SessionStart: group([commands.sessionStart]),
    BeforeAgent: group(commands.promptSubmit),
    AfterAgent: group([commands.turnEnd]),
    Notification: group([commands.notification]),
  };
}

/**
 * Errors in full where the project says nothing of them: with "low" (the default) Gemini CLI
 * retries a 429 or a 5xx for ever behind its spinner; with "full" it asks, after its own
 * retries, whether to keep trying (answered "Stop": gemini.ts) and prints the API's error.
 */
export function withFullErrors(current: Json): Json | undefined {
  const ui = current.ui;
  const own = typeof ui === 'object' && ui !== null && !Array.isArray(ui) ? (ui as Json) : {};
  if (own.errorVerbosity !== undefined) return undefined;
  return { ...current, ui: { ...own, errorVerbosity: 'full' } };
}

type Json = Record<string, unknown>;

/** Where Gemini CLI keeps the folders a person trusted, for a session with this environment. */
export function trustedFoldersFile(env: Readonly<Record<string, string>>): string {
  const own = env.GEMINI_CLI_TRUSTED_FOLDERS_PATH;
  if (own !== undefined && own !== '') return own;
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.gemini', 'trustedFolders.json');
}

/** The trusted folders with `workDir` trusted; undefined when it is already. */
export function withTrustedFolder(current: Json, workDir: string): Json | undefined {
  if (current[workDir] === 'TRUST_FOLDER') return undefined;
  return { ...current, [workDir]: 'TRUST_FOLDER' };
}

/**
 * Records the work dir as trusted (the user's other entries kept). A file that is not a JSON
 * object is left alone: the trust dialog then comes up and the daemon answers it.
 */
export function trustWorkDir(env: Readonly<Record<string, string>>, workDir: string): void {
  const file = trustedFoldersFile(env);
  let current: Json;
  try {
    current = readSettings(file);
  } catch {
    return;
  }
  const merged = withTrustedFolder(current, workDir);
  if (merged === undefined) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  writeJsonAtomic(file, merged, mode);
}

export function installGeminiHooks(workDir: string, commands: HookCommands): void {
  const file = join(workDir, GEMINI_SETTINGS);
  const current = readSettings(file);
  const hooked = mergeHookGroups(current, geminiHookGroups(commands));
  const merged = withFullErrors(hooked ?? current) ?? hooked;
  if (merged !== undefined) {
    mkdirSync(join(workDir, '.gemini'), { recursive: true });
    const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
    writeJsonAtomic(file, merged, mode);
  }
  excludeFromGit(workDir, GEMINI_SETTINGS);
}
