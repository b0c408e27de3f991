// gt doctor's check of the hooks in each Claude Code agent's work dir: present and current (the
// commands this gt installs, in their events), since an agent without them is seen only by its
// screen. --fix installs them as a start would, merged with the user's own entries.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_COMMANDS } from '../../agents/agent.js';
import {
  CLAUDE_SETTINGS,
  installClaudeHooks,
  mergeHooks,
  readSettings,
} from '../../agents/runtime/claude-hooks.js';
import type { AgentRecord } from '../../store/store.js';
import { parseIdentity, workDirPath } from '../../town/identity.js';
import type { Check } from './check.js';
import { ok, repaired, warn } from './check.js';

/** Whether the file holds every hook this gt installs; undefined when it cannot be read. */
function current(file: string): boolean | undefined {
  try {
    return mergeHooks(readSettings(file), HOOK_COMMANDS) === undefined;
  } catch {
    return undefined;
  }
}

export function hooksCheck(root: string, records: readonly AgentRecord[], fix: boolean): Check {
  const stale: string[] = [];
  const dirs: string[] = [];
  for (const r of records) {
    if (r.runtime !== 'claude' || r.startedAt === null) continue;
    const dir = workDirPath(root, parseIdentity(r.identity));
    if (!existsSync(dir)) continue;
    dirs.push(dir);
    if (current(join(dir, CLAUDE_SETTINGS)) !== true) stale.push(r.identity);
  }
  if (stale.length === 0)
    return ok('hooks', `${dirs.length} Claude Code work dirs, their hooks current`);
  const check = warn(
    'hooks',
    `hooks missing or out of date for ${stale.join(', ')}: their activity is read from the screen only`,
    'gt doctor --fix (or restart the agent)',
  );
  if (!fix) return check;
  const done: string[] = [];
  for (const id of stale) {
    try {
      installClaudeHooks(workDirPath(root, parseIdentity(id)), HOOK_COMMANDS);
      done.push(id);
    } catch {
      // a file that is not JSON is left for a person (the warning stands for it)
    }
  }
  return done.length === stale.length
    ? repaired(check, `installed the hooks of ${done.join(', ')}`)
    : check;
}
