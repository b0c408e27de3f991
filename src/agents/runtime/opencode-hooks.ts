// OpenCode's hooks for an agent: a plugin of ours in the work dir's .opencode/plugin/ (OpenCode
// loads every .js and .ts file there at start-up), kept out of git. Its hooks map onto Claude
// Code's: the plugin's start ~ SessionStart, chat.message ~ UserPromptSubmit (the prompt's text
// parts), the session.idle event ~ Stop (after OpenCode's own retries, never between them). What
// gt prints for the model goes into the system prompt of each call (a plugin cannot add its own
// part to the user's message safely: parts are ordered by their ids).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { excludeFromGit } from './claude-hooks.js';
import type { HookCommands } from './profile.js';
import { scriptHead, writeScript } from './script-hooks.js';

const CONFIG_DIR = '.opencode';
export const OPENCODE_PLUGIN = join(CONFIG_DIR, 'plugin', 'gastown-ts.js');

/**
 * The plugin's body. Sub-agents' sessions (the task tool) are the agent's own turn: only
 * sessions without a parent report. The mail check's output for a session holds until its next
 * prompt, gt prime's for the life of the process.
 */
const BODY = `
export const GastownTs = async () => {
  if (!active) return {};
  const primed = runAll(GT.sessionStart, { hook_event_name: "SessionStart", source: "startup", cwd: process.cwd() });
  const children = new Set();
  const context = new Map();
  return {
    "chat.message": async (input, output) => {
      if (children.has(input.sessionID)) return;
      const prompt = output.parts
        .filter((part) => part.type === "text" && !part.synthetic)
        .map((part) => part.text)
        .join("\\n");
      const payload = { hook_event_name: "UserPromptSubmit", session_id: input.sessionID, prompt, cwd: process.cwd() };
      context.set(input.sessionID, await runAll(GT.promptSubmit, payload));
    },
    "experimental.chat.system.transform": async (input, output) => {
      const extra = [await primed, context.get(input.sessionID) ?? ""].filter((text) => text !== "");
      if (extra.length > 0) output.system.push(extra.join("\\n\\n"));
    },
    event: async ({ event }) => {
      const info = event.properties?.info;
      if (event.type === "session.created" && info?.parentID) children.add(info.id);
      const session = event.properties?.sessionID;
      if (event.type !== "session.idle" || children.has(session)) return;
      void runAll(GT.turnEnd, { hook_event_name: "Stop", session_id: session, cwd: process.cwd() });
    },
  };
};
`;

export function openCodePlugin(commands: HookCommands): string {
  return `${scriptHead('reports this OpenCode session to gt (gastown-ts).', commands)}${BODY}`;
}

/**
 * OpenCode installs @opencode-ai/plugin into every config dir it loads (npm, in the background,
 * at each start) unless node_modules is there and package-lock.json names it. Our plugin imports
 * nothing: an empty node_modules and such a lock, made only where none are, keep it from running
 * npm in the agent's work tree. A config dir of the user's with packages of its own still gets
 * them installed (their names are not in our lock).
 */
function withoutInstall(workDir: string, version: string): string[] {
  const made: string[] = [];
  const modules = join(CONFIG_DIR, 'node_modules');
  if (!existsSync(join(workDir, modules))) {
    mkdirSync(join(workDir, modules), { recursive: true });
    made.push(modules);
  }
  const lock = join(CONFIG_DIR, 'package-lock.json');
  if (!existsSync(join(workDir, lock))) {
    const deps = { '@opencode-ai/plugin': version };
    const text = JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: deps } } });
    writeFileSync(join(workDir, lock), `${text}\n`, { mode: 0o644 });
    made.push(lock);
  }
  return made;
}

export function installOpenCodeHooks(
  workDir: string,
  commands: HookCommands,
  version: string,
): void {
  writeScript(join(workDir, OPENCODE_PLUGIN), openCodePlugin(commands));
  for (const file of [OPENCODE_PLUGIN, ...withoutInstall(workDir, version)])
    excludeFromGit(workDir, file);
}
