// Claude Code's start-up questions answered before it starts: a new agent's folder trusted,
// and the API key in its environment approved, in Claude Code's own config (~/.claude.json, or
// $CLAUDE_CONFIG_DIR/.claude.json), as answering them on its screen would have recorded. The
// same answers the watcher gives on screen (claude.ts), minus the ~0.8 s the two dialogs cost.
//
// The file is shared with every Claude Code the user runs, which rewrite it: it is changed
// only where an answer is missing, read and replaced in one synchronous step, replaced whole
// (a temp file renamed over it, its mode kept, a symlink followed), and not replaced at all if
// it changed since it was read (read again, up to three times). A file that is missing (Claude
// Code has not been set up) or does not hold a JSON object is left alone: then the dialogs
// show and are answered on screen, as before.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { GtError } from '../../errors.js';
import { replaceFile } from '../../util/fs.js';
import type { HookTarget } from './profile.js';

type Json = Record<string, unknown>;

/** Where Claude Code keeps its config for a session with this environment. */
export function claudeConfigPath(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env.CLAUDE_CONFIG_DIR;
  if (dir !== undefined && dir !== '') return join(dir, '.claude.json');
  return join(env.HOME ?? homedir(), '.claude.json');
}

/** Claude Code knows an API key by its last 20 characters. */
export const apiKeyMark = (key: string): string => key.trim().slice(-20);

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The folders Claude Code may look the trust up under: as given, and with links resolved. */
function folderKeys(workDir: string): string[] {
  const given = resolve(workDir);
  let real = given;
  try {
    real = realpathSync(given);
  } catch {
    // a folder that cannot be resolved is trusted as given
  }
  return real === given ? [given] : [given, real];
}

/**
 * The config with the missing answers in place, and which answers those were (none: nothing
 * to write). A person's refusal of the key stands: a rejected key is never approved.
 */
export function withAnswers(
  config: Json,
  workDir: string,
  apiKey: string | undefined,
): { config: Json; answered: string[] } {
  const answered: string[] = [];
  let next = config;
  const projects = config.projects ?? {};
  if (isObject(projects)) {
    const keys = folderKeys(workDir).filter((k) => {
      const p = projects[k];
      return !(isObject(p) && p.hasTrustDialogAccepted === true);
    });
    if (keys.length > 0) {
      const added = Object.fromEntries(
        keys.map((k) => [
          k,
          { ...(isObject(projects[k]) ? projects[k] : {}), hasTrustDialogAccepted: true },
        ]),
      );
      next = { ...next, projects: { ...projects, ...added } };
      answered.push('trust');
    }
  }
  const mark = apiKey === undefined || apiKey.trim() === '' ? undefined : apiKeyMark(apiKey);
  const responses = config.customApiKeyResponses ?? {};
  if (mark !== undefined && isObject(responses)) {
    const approved: unknown[] = Array.isArray(responses.approved) ? responses.approved : [];
    const rejected: unknown[] = Array.isArray(responses.rejected) ? responses.rejected : [];
    if (!approved.includes(mark) && !rejected.includes(mark)) {
      next = {
        ...next,
        customApiKeyResponses: { ...responses, approved: [...approved, mark], rejected },
      };
      answered.push('api-key');
    }
  }
  return { config: next, answered };
}

const sameFile = (a: Stats, b: Stats): boolean =>
  a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** Writes the answers a new agent's Claude Code would ask for; the ids of those written. */
export function answerClaudeAhead(target: HookTarget): string[] {
  const env = { ...process.env, ...target.env };
  let path = claudeConfigPath(env);
  try {
    path = realpathSync(path);
  } catch {
    return []; // no config yet: Claude Code's own first run comes first
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = statSync(path);
    const config = parsed(path);
    const { config: next, answered } = withAnswers(config, target.workDir, env.ANTHROPIC_API_KEY);
    if (answered.length === 0) return [];
    if (replaceIfUnchanged(path, before, `${JSON.stringify(next, null, 2)}\n`)) return answered;
  }
  return [];
}

function parsed(path: string): Json {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GtError('GT_CLAUDE_CONFIG', `${path} cannot be read as JSON: ${String(err)}`);
  }
  if (!isObject(config))
    throw new GtError('GT_CLAUDE_CONFIG', `${path} does not hold a JSON object`);
  return config;
}

/** Renames `text` over `path` unless the file changed since `before`; false when it had. */
function replaceIfUnchanged(path: string, before: Stats, text: string): boolean {
  return replaceFile(path, text, {
    mode: before.mode & 0o777,
    exactMode: true,
    unless: () => !sameFile(before, statSync(path)),
  });
}
