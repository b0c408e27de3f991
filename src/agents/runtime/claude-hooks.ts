// Claude Code's hooks for an agent's work dir: merged into .claude/settings.local.json beside
// whatever the user keeps there (their entries are never dropped), and kept out of git.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GtError } from '../../errors.js';
import { writeJsonAtomic } from '../../util/fs.js';
import type { HookCommands } from './profile.js';

export const CLAUDE_SETTINGS = join('.claude', 'settings.local.json');

type Json = Record<string, unknown>;

export interface HookGroup {
  matcher?: string;
  hooks: Array<{ type: 'command'; command: string }>;
}

/** A group running `commands`, in the shape Claude Code (and Codex, and Gemini CLI) read. */
export function hookGroup(commands: readonly string[], matcher?: string): HookGroup {
  return {
    ...(matcher === undefined ? {} : { matcher }),
    hooks: commands.map((command) => ({ type: 'command', command })),
  };
}

/** Our groups by Claude Code's event names. */
function wanted(commands: HookCommands): Record<string, HookGroup> {
  return {
    SessionStart: hookGroup([commands.sessionStart]),
    UserPromptSubmit: hookGroup(commands.promptSubmit),
    Stop: hookGroup([commands.turnEnd]),
    // A turn that ends on an API error (after the CLI's own retries) fires this, not Stop.
    StopFailure: hookGroup([commands.turnEnd]),
    Notification: hookGroup([commands.notification], ''),
    PreCompact: hookGroup([commands.compact]),
  };
}

/**
 * What earlier gt versions installed and this one no longer does (the prompt's mail check and
 * report are one process now): taken out of a hook file when gt's own are merged into it.
 */
const RETIRED = ['gt mail check --inject', 'gt agent report prompt'];

const retired = (command: unknown): boolean =>
  typeof command === 'string' &&
  RETIRED.some((r) => command === r || command === `${r} --hook-format gemini`);

/** An event's groups without retired commands (groups left empty go); undefined: none was there. */
function withoutRetired(groups: unknown): unknown[] | undefined {
  if (!Array.isArray(groups)) return undefined;
  let removed = false;
  const kept: unknown[] = [];
  for (const g of groups as Array<{ hooks?: unknown }>) {
    if (!Array.isArray(g?.hooks)) {
      kept.push(g);
      continue;
    }
    const hooks = (g.hooks as Array<{ command?: unknown }>).filter((h) => !retired(h?.command));
    if (hooks.length !== g.hooks.length) removed = true;
    if (hooks.length > 0) kept.push({ ...g, hooks });
  }
  return removed ? kept : undefined;
}

function commandsIn(groups: unknown): Set<string> {
  const found = new Set<string>();
  if (!Array.isArray(groups)) return found;
  for (const g of groups as Array<{ hooks?: unknown }>) {
    if (!Array.isArray(g?.hooks)) continue;
    for (const h of g.hooks as Array<{ command?: unknown }>)
      if (typeof h?.command === 'string') found.add(h.command);
  }
  return found;
}

/**
 * With --dangerously-skip-permissions the user has chosen bypass mode already; the consent
 * Claude Code asks for again in a dialog is recorded beside the hooks, where it skips the
 * dialog for this work dir only (Claude Code honours it in settings.local.json).
 */
export function withBypassConsent(current: Json, command: string): Json | undefined {
  if (!/(^|\s)--dangerously-skip-permissions(\s|$)/.test(command)) return undefined;
  if (current.skipDangerousModePermissionPrompt === true) return undefined;
  return { ...current, skipDangerousModePermissionPrompt: true };
}

/** The settings with our hooks added where missing; undefined when nothing changes. */
export function mergeHooks(current: Json, commands: HookCommands): Json | undefined {
  return mergeHookGroups(current, wanted(commands));
}

/**
 * The settings with `groups` (by event name) added where their commands are missing; the
 * user's entries are kept as they are. Undefined when nothing changes.
 */
export function mergeHookGroups(
  current: Json,
  groups: Readonly<Record<string, HookGroup>>,
): Json | undefined {
  const hooks: Json =
    typeof current.hooks === 'object' && current.hooks !== null && !Array.isArray(current.hooks)
      ? { ...(current.hooks as Json) }
      : {};
  let changed = false;
  for (const event of Object.keys(hooks)) {
    const kept = withoutRetired(hooks[event]);
    if (kept === undefined) continue;
    hooks[event] = kept;
    changed = true;
  }
  for (const [event, group] of Object.entries(groups)) {
    const existing = hooks[event];
    const have = commandsIn(existing);
    const missing = group.hooks.filter((h) => !have.has(h.command));
    if (missing.length === 0) continue;
    const list = Array.isArray(existing) ? [...(existing as unknown[])] : [];
    list.push({ ...group, hooks: missing });
    hooks[event] = list;
    changed = true;
  }
  return changed ? { ...current, hooks } : undefined;
}

/** A JSON object file ({} when missing); anything else is left alone and said so. */
export function readSettings(file: string): Json {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GtError(
      'GT_HOOKS_NOT_INSTALLED',
      `${file} is not valid JSON (${(err as Error).message}); its hooks were left as they are`,
      { hint: 'fix the file by hand; gt adds its hooks at the next start' },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new GtError('GT_HOOKS_NOT_INSTALLED', `${file} is not a JSON object; left as it is`);
  return parsed as Json;
}

/** Keeps `file` (relative to the work dir) out of its git history, if the work dir is a clone. */
export function excludeFromGit(workDir: string, file = CLAUDE_SETTINGS): void {
  const info = join(workDir, '.git', 'info');
  if (!existsSync(join(workDir, '.git'))) return;
  mkdirSync(info, { recursive: true });
  const exclude = join(info, 'exclude');
  const text = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  if (!text.split('\n').includes(`/${file}`))
    appendFileSync(exclude, `${text.endsWith('\n') || text === '' ? '' : '\n'}/${file}\n`);
}

export function installClaudeHooks(workDir: string, commands: HookCommands, command = ''): void {
  const file = join(workDir, CLAUDE_SETTINGS);
  const current = readSettings(file);
  const hooked = mergeHooks(current, commands);
  const merged = withBypassConsent(hooked ?? current, command) ?? hooked;
  if (merged !== undefined) {
    mkdirSync(join(workDir, '.claude'), { recursive: true });
    const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
    writeJsonAtomic(file, merged, mode);
  }
  excludeFromGit(workDir);
}
