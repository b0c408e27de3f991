// `gt agent report <event>`: an agent's hooks tell the daemon what it does. Token-verified, and
// it never fails the hook (a failing prompt hook could block the agent): problems go to stderr.
// prompt, stop and notification are usually answered by the daemon itself (hook-client.ts);
// this is the command in full, for compaction and whenever no daemon answers.
import type { Command } from 'commander';
import type { HookEvent } from '../agents/report.js';
import { HOOK_EVENTS } from '../agents/report.js';
import { errorMessage, InputError } from '../errors.js';
import type { GlobalOptions } from './context.js';
import { withTown } from './context.js';
import { poke } from '../util/socket.js';
import { HOOK_FORMAT_OPTION, readHookInput } from './hook-input.js';
import { answerHook } from '../agents/hook-run.js';
import type { GtCommand } from './program.js';
import type { TownContext } from './context.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { requestHandoff } from '../lifecycle/handoff.js';
import { compactNote } from '../agents/compact-note.js';
import { writeStdout } from './output.js';

export function registerAgentReport(agent: GtCommand): void {
  agent
    .command('report')
    .description(
      'for an agent’s hooks: report a prompt submitted (prompt), a turn ended (stop), a notification, or a compaction about to start (compact; a role with on_compact: handoff hands off instead); the hook’s JSON on stdin',
    )
    .argument('<event>', HOOK_EVENTS.join(', '))
    .option(...HOOK_FORMAT_OPTION)
    .option(
      '--inject-mail',
      'with prompt: also print the agent’s unread mail as one block of context for the model (mail check and the report in one process)',
    )
    .action(async (event: string, flags: ReportFlags, cmd: Command) => {
      try {
        if (!(HOOK_EVENTS as readonly string[]).includes(event))
          throw new InputError('GT_BAD_USAGE', `unknown event ${JSON.stringify(event)}`);
        const payload = readHookInput();
        return await withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) =>
          reportAndInject(town, { event: event as HookEvent, payload, flags }),
        );
      } catch (err) {
        process.stderr.write(`gt: agent report ${event}: ${errorMessage(err)}\n`);
        return 0;
      }
    });
}

interface ReportFlags {
  hookFormat?: string;
  injectMail?: boolean;
}

/** The hook's work in its own process; resolves its exit code (2 refuses a compaction). */
async function reportAndInject(
  town: TownContext,
  hook: { event: HookEvent; payload: Record<string, unknown>; flags: ReportFlags },
): Promise<number> {
  const { event, payload, flags } = hook;
  const id = town.self();
  const store = await town.store();
  const answer = await answerHook(
    { store, notify: town.settings.notify, now: Date.now() },
    {
      event,
      payload,
      identity: id,
      token: town.env.GT_AGENT_TOKEN,
      injectMail: flags.injectMail === true,
      hookFormat: flags.hookFormat,
    },
  );
  process.stderr.write(answer.stderr);
  writeStdout(answer.stdout);
  // A change is news to the daemon: a turn ended may free the agent for a queued
  // prompt, a session that began wants its screen read now, not at the next slow look.
  if (answer.events.length > 0) await poke(town.paths.daemonSocket);
  if (event === 'compact' && town.settings.agents[id.role].on_compact === 'handoff') {
    await handOffInsteadOfCompacting(town, store, id, payload);
    return 2; // Claude Code's word for "do not": the compaction is refused
  }
  return 0;
}

/**
 * A role that hands off rather than compacting (agents.<role>.on_compact): a cycle request with
 * a note of what the agent was doing, and the compaction refused (the session is replaced).
 */
async function handOffInsteadOfCompacting(
  town: TownContext,
  store: Store,
  id: Identity,
  payload: Record<string, unknown>,
): Promise<void> {
  const transcript = typeof payload.transcript_path === 'string' ? payload.transcript_path : null;
  const trigger = typeof payload.trigger === 'string' ? payload.trigger : 'auto';
  const deps = { root: town.root, settings: town.settings, store, token: town.env.GT_AGENT_TOKEN };
  await requestHandoff(deps, id, 'cycle', {
    subject: 'context full (before compaction)',
    note: compactNote(transcript, trigger),
  });
  const reason = 'gastown-ts hands this agent off to a fresh session instead of compacting';
  writeStdout(`${JSON.stringify({ decision: 'block', reason })}\n`);
  process.stderr.write(`${reason}\n`);
}
