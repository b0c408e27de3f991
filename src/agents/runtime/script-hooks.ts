// Hooks for CLIs whose hooks are code (Pi's extensions, OpenCode's plugins): one JavaScript file
// of ours in the directory the CLI loads them from, beside the user's own files (never touched),
// that runs the same gt commands as Claude Code's hooks, each with its event's JSON on standard
// input and never through a shell: a prompt's text reaches gt only as JSON on a pipe.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GtError } from '../../errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { HookCommands } from './profile.js';

/** The first line of every file gastown-ts writes for a CLI; a file without it is not ours. */
export const SCRIPT_MARK = '// gastown-ts:';

/** The gt commands as argument vectors, for the script's JSON. */
export interface HookArgv {
  sessionStart: string[][];
  promptSubmit: string[][];
  turnEnd: string[][];
}

const argv = (command: string): string[] => command.trim().split(/\s+/);

/** HookCommands are plain words (agent.ts): split on spaces, nothing is quoted or expanded. */
export function hookArgv(commands: HookCommands): HookArgv {
  return {
    sessionStart: [argv(commands.sessionStart)],
    promptSubmit: commands.promptSubmit.map(argv),
    turnEnd: [argv(commands.turnEnd)],
  };
}

/**
 * What the scripts share: `run` starts one gt command with the JSON on its standard input and
 * resolves with what it printed ('' when it cannot run, fails or takes too long: a hook never
 * stops the agent); `runAll` runs a list at once and joins their output (context for the model).
 * `active` is false outside a session gastown-ts started (a person running the CLI by hand in
 * this work dir): the script then does nothing.
 */
export const RUN_HELPERS = `import { spawn } from "node:child_process";

const TIMEOUT_MS = 30000;
const MAX_OUTPUT = 256 * 1024;
const active = Boolean(process.env.GT_ROLE && process.env.GT_AGENT_TOKEN);

function run(argv, payload) {
  return new Promise((resolve) => {
    let out = "";
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
    } catch {
      resolve("");
      return;
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout.setEncoding("utf8").on("data", (d) => {
      if (out.length < MAX_OUTPUT) out += d;
    });
    child.on("error", () => {
      clearTimeout(timer);
      resolve("");
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? out : "");
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify(payload));
  });
}

async function runAll(list, payload) {
  const outs = await Promise.all(list.map((argv) => run(argv, payload)));
  return outs.join("").trim();
}
`;

/** The script's head: its mark, what it is, and the gt commands it runs. */
export function scriptHead(what: string, commands: HookCommands): string {
  return [
    `${SCRIPT_MARK} ${what}`,
    '// Written by gt at each start of the agent (edits here are replaced); it acts only in its sessions.',
    RUN_HELPERS,
    `const GT = ${JSON.stringify(hookArgv(commands))};`,
    '',
  ].join('\n');
}

/**
 * Writes our script to `file` unless that file is someone else's (no mark on its first line):
 * then it is left as it is and said so. Unchanged content is not rewritten.
 */
export function writeScript(file: string, text: string): void {
  if (existsSync(file)) {
    const current = readFileSync(file, 'utf8');
    if (!current.startsWith(SCRIPT_MARK))
      throw new GtError(
        'GT_HOOKS_NOT_INSTALLED',
        `${file} exists and is not gastown-ts's; its hooks were left out`,
        { hint: 'rename your file: gastown-ts writes its own under this name' },
      );
    if (current === text) return;
  }
  mkdirSync(dirname(file), { recursive: true });
  // Read by the CLI, written by us: nothing secret in it, so the usual mode of a source file.
  writeFileAtomic(file, text, 0o644);
}
