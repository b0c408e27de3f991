// Codex's hooks for an agent: merged into $CODEX_HOME/hooks.json beside the user's own (never
// dropped), and Codex's trust for exactly those handlers, given on its command line. Codex runs
// a hook only once someone trusted its definition (a hash kept in config.toml); a hook it has not
// seen stops it at start-up on "Hooks need review".
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../util/fs.js';
import { hookGroup, mergeHookGroups, readSettings } from './claude-hooks.js';
import type { HookGroup } from './claude-hooks.js';
import type { HookCommands } from './profile.js';

type Json = Record<string, unknown>;
type Env = Readonly<Record<string, string | undefined>>;

/** Codex's event names, and the labels it keys their trust by. */
const EVENTS = {
  SessionStart: 'session_start',
  UserPromptSubmit: 'user_prompt_submit',
  Stop: 'stop',
} as const;
type CodexEvent = keyof typeof EVENTS;

/** Events whose groups take no matcher: Codex leaves it out of their hash. */
const NO_MATCHER: ReadonlySet<string> = new Set(['UserPromptSubmit', 'Stop']);
/** Codex's default hook timeout (seconds), part of the hashed definition. */
const DEFAULT_TIMEOUT_S = 600;

/**
 * The commands gastown-ts's hooks run (agent.ts HOOK_COMMANDS): fixed gt words. A handler
 * running anything else is the user's, and left to Codex's own review.
 */
const OUR_COMMAND =
  /^gt (?:prime --hook|mail check --inject|agent report [a-z]+(?: --inject-mail)?)$/;

/** Where Codex keeps its state for a session with this environment: CODEX_HOME, else ~/.codex. */
export function codexHome(env: Env): string {
  const home = env.CODEX_HOME;
  if (home !== undefined && home !== '') return home;
  return join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.codex');
}

/** Our groups by Codex's event names (SessionStart fires at the first prompt, not at start-up). */
function wanted(commands: HookCommands): Record<CodexEvent, HookGroup> {
  return {
    SessionStart: hookGroup([commands.sessionStart]),
    UserPromptSubmit: hookGroup(commands.promptSubmit),
    Stop: hookGroup([commands.turnEnd]),
  };
}

export function installCodexHooks(env: Env, commands: HookCommands): void {
  const dir = codexHome(env);
  const file = join(dir, 'hooks.json');
  const merged = mergeHookGroups(readSettings(file), wanted(commands));
  if (merged === undefined) return;
  mkdirSync(dir, { recursive: true });
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  writeJsonAtomic(file, merged, mode);
}

/** Object keys sorted at every level: the canonical JSON Codex hashes. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Json;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((k) => [k, canonical(object[k])]),
  );
}

/**
 * Codex's trusted_hash of one command handler (recorded from 0.171.0: sha256 of its normalized
 * definition, keys sorted): the event's label, the group's matcher where the event takes one,
 * and the handler with its defaults filled in.
 */
export function hookHash(event: CodexEvent, matcher: unknown, handler: Json): string {
  const normalized: Json = {
    type: 'command',
    command: handler.command,
    timeout: typeof handler.timeout === 'number' ? Math.max(handler.timeout, 1) : DEFAULT_TIMEOUT_S,
    async: handler.async === true,
  };
  if (typeof handler.statusMessage === 'string') normalized.statusMessage = handler.statusMessage;
  const identity: Json = { event_name: EVENTS[event], hooks: [normalized] };
  if (typeof matcher === 'string' && !NO_MATCHER.has(event)) identity.matcher = matcher;
  const digest = createHash('sha256')
    .update(JSON.stringify(canonical(identity)))
    .digest('hex');
  return `sha256:${digest}`;
}

export interface HookTrust {
  /** `<hooks.json path>:<event label>:<group>:<handler>`, as Codex keys hooks.state. */
  key: string;
  hash: string;
}

/** The trust entries for our handlers in `hooks` (a parsed hooks.json at `file`). */
export function ourHookTrust(file: string, hooks: Json): HookTrust[] {
  const byEvent = typeof hooks.hooks === 'object' && hooks.hooks !== null ? hooks.hooks : {};
  const trust: HookTrust[] = [];
  for (const event of Object.keys(EVENTS) as CodexEvent[]) {
    const groups = (byEvent as Json)[event];
    if (!Array.isArray(groups)) continue;
    groups.forEach((group: unknown, g) => {
      const handlers = (group as Json | null)?.hooks;
      if (!Array.isArray(handlers)) return;
      handlers.forEach((handler: unknown, h) => {
        const hd = handler as Json | null;
        if (hd?.type !== 'command' || typeof hd.command !== 'string') return;
        if (!OUR_COMMAND.test(hd.command)) return;
        const matcher = (group as Json).matcher;
        trust.push({
          key: `${file}:${EVENTS[event]}:${g}:${h}`,
          hash: hookHash(event, matcher, hd),
        });
      });
    });
  }
  return trust;
}

/** A TOML basic string (JSON's escapes are TOML's, for the characters a path or hash holds). */
const tomlString = (s: string): string => JSON.stringify(s);

/**
 * The `-c` value trusting our hooks for this session: `hooks.state={"<key>"={trusted_hash=…}}`.
 * Codex merges it with the trust already kept in config.toml. Undefined when there is nothing
 * to trust (no hooks.json, or none of ours in it).
 */
export function hookTrustOverride(env: Env): string | undefined {
  const dir = codexHome(env);
  const file = join(dir, 'hooks.json');
  if (!existsSync(file)) return undefined;
  let hooks: Json;
  try {
    hooks = readSettings(file);
  } catch {
    return undefined; // unreadable: Codex shows what it makes of it, the screen tells the rest
  }
  // Codex keys a hook by its file's path: CODEX_HOME with its symlinks resolved, ~/.codex as is.
  const keyDir = env.CODEX_HOME !== undefined && env.CODEX_HOME !== '' ? realpathSync(dir) : dir;
  const trust = ourHookTrust(join(keyDir, 'hooks.json'), hooks);
  if (trust.length === 0) return undefined;
  const entries = trust.map((t) => `${tomlString(t.key)}={trusted_hash=${tomlString(t.hash)}}`);
  return `hooks.state={${entries.join(',')}}`;
}
