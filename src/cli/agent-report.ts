// `gt agent report <event>`: an agent's hooks tell the daemon what it does. Token-verified, and
// it never fails the hook (a failing prompt hook could block the agent): problems go to stderr.
import type { Command } from 'commander';
import { isVerifiedSender } from '../agents/token.js';
import type { HookEvent } from '../agents/report.js';
import { HOOK_EVENTS, reportHook } from '../agents/report.js';
import { errorMessage, InputError } from '../errors.js';
import { formatAddress } from '../town/identity.js';
import type { GlobalOptions } from './context.js';
import { withTown } from './context.js';
import { poke } from '../util/socket.js';
import { HOOK_FORMAT_OPTION, hookContext, readHookInput } from './hook-input.js';
import { injectionBlock } from '../mail/inject.js';
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
      let code = 0;
      try {
        if (!(HOOK_EVENTS as readonly string[]).includes(event))
          throw new InputError('GT_BAD_USAGE', `unknown event ${JSON.stringify(event)}`);
        const payload = readHookInput();
        await withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
          // Each part on its own: a report that fails must not keep the mail from the model.
          try {
            code = await report(town, event as HookEvent, payload);
          } catch (err) {
            process.stderr.write(`gt: agent report ${event}: ${errorMessage(err)}\n`);
          }
          if (flags.injectMail === true) await injectMail(town, flags.hookFormat);
        });
      } catch (err) {
        process.stderr.write(`gt: agent report ${event}: ${errorMessage(err)}\n`);
      }
      return code;
    });
}

interface ReportFlags {
  hookFormat?: string;
  injectMail?: boolean;
}

/** The report itself; resolves the hook's exit code (2 refuses a compaction). */
async function report(
  town: TownContext,
  event: HookEvent,
  payload: Record<string, unknown>,
): Promise<number> {
  const id = town.self();
  const store = await town.store();
  if (!(await isVerifiedSender(store, id, town.env.GT_AGENT_TOKEN)))
    throw new InputError('GT_UNVERIFIED_SENDER', `not ${formatAddress(id)}'s own session`);
  const events = await reportHook(
    store,
    formatAddress(id),
    event,
    payload,
    Date.now(),
    town.settings.notify,
  );
  // A change is news to the daemon: a turn ended may free the agent for a queued
  // prompt, a session that began wants its screen read now, not at the next slow look.
  if (events.length > 0) await poke(town.paths.daemonSocket);
  if (event === 'compact' && town.settings.agents[id.role].on_compact === 'handoff') {
    await handOffInsteadOfCompacting(town, store, id, payload);
    return 2; // Claude Code's word for "do not": the compaction is refused
  }
  return 0;
}

/** The agent's unread mail as context for the model, as `gt mail check --inject` prints it. */
async function injectMail(town: TownContext, format: string | undefined): Promise<void> {
  try {
    const owner = formatAddress(town.self());
    const unread = await (await town.store()).listInbox(owner, { unreadOnly: true });
    writeStdout(hookContext(injectionBlock(owner, unread), format));
  } catch (err) {
    process.stderr.write(`gt: agent report --inject-mail: ${errorMessage(err)}\n`);
  }
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
