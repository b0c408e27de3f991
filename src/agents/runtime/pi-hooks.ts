// Pi's hooks for an agent: an extension of ours in the work dir's .pi/extensions/ (Pi loads every
// .ts and .js file there at start-up, no trust asked), kept out of git. Pi's events map onto
// Claude Code's hooks: session_start ~ SessionStart, input ~ UserPromptSubmit (the raw text, as
// typed or pasted), agent_end ~ Stop. What gt prints for the model (gt prime, new mail) goes into
// the system prompt of each turn: Pi would put a message of ours after the user's prompt.
import { join } from 'node:path';
import { excludeFromGit } from './claude-hooks.js';
import type { HookCommands } from './profile.js';
import { scriptHead, writeScript } from './script-hooks.js';

export const PI_EXTENSION = join('.pi', 'extensions', 'gastown-ts.js');

/**
 * The extension's body. Pi awaits `input` handlers before the prompt goes on, so the prompt is
 * acknowledged and the mail checked before the model is asked; gt prime runs at start-up meanwhile.
 * agent_end fires for each run of the agent loop, also one Pi is about to retry after an API
 * error: the turn's end is reported each time, and the screen tells a retry (its spinner).
 */
const BODY = `
export default function gastownTs(pi) {
  if (!active) return;
  let primed = Promise.resolve("");
  let context = "";
  const about = (ctx) => ({
    session_id: ctx.sessionManager?.getSessionId?.() ?? null,
    transcript_path: ctx.sessionManager?.getSessionFile?.() ?? null,
    cwd: ctx.cwd,
  });
  pi.on("session_start", (event, ctx) => {
    primed = runAll(GT.sessionStart, { hook_event_name: "SessionStart", source: event.reason, ...about(ctx) });
  });
  pi.on("input", async (event, ctx) => {
    // Text an extension sends (not typed into the session) is no prompt of gastown-ts's.
    if (event.source === "extension") return { action: "continue" };
    context = await runAll(GT.promptSubmit, { hook_event_name: "UserPromptSubmit", prompt: event.text, ...about(ctx) });
    return { action: "continue" };
  });
  pi.on("before_agent_start", async (event) => {
    const extra = [await primed, context].filter((text) => text !== "").join("\\n\\n");
    context = "";
    return extra === "" ? undefined : { systemPrompt: event.systemPrompt + "\\n\\n" + extra };
  });
  pi.on("agent_end", (_event, ctx) => {
    void runAll(GT.turnEnd, { hook_event_name: "Stop", ...about(ctx) });
  });
}
`;

export function piExtension(commands: HookCommands): string {
  return `${scriptHead('reports this Pi session to gt (gastown-ts).', commands)}${BODY}`;
}

export function installPiHooks(workDir: string, commands: HookCommands): void {
  writeScript(join(workDir, PI_EXTENSION), piExtension(commands));
  excludeFromGit(workDir, PI_EXTENSION);
}
