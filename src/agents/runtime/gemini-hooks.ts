// Gemini CLI's hooks for an agent's work dir: merged into the project's .gemini/settings.json
// beside whatever the user keeps there (their entries are never dropped), and kept out of git.
// Gemini CLI reads project settings only in a folder it trusts (its trust dialog, answered by
// the daemon, comes first); a project hook it has not seen is run after a one-line warning, and
// trusted from then on (~/.gemini/trusted_hooks.json), so no dialog stands in the way. Errors
// are shown in full there too (withFullErrors).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

type Json = Record<string, unknown>;

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
