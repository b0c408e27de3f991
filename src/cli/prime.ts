// `gt prime [--hook]`: the agent's context for the start of a session (Claude Code's
// SessionStart hook prints it into the model's context). With --hook it never fails the hook.
import type { Command } from 'commander';
import { primeFacts, primeText } from '../agents/prime.js';
import { noteConversation } from '../agents/continuity.js';
import { isVerifiedSender } from '../agents/token.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../town/identity.js';
import { formatAddress } from '../town/identity.js';
import type { TownContext } from './context.js';
import { errorMessage } from '../errors.js';
import type { GlobalOptions } from './context.js';
import { printJson, withTown } from './context.js';
import { HOOK_FORMAT_OPTION, hookContext, readHookInput } from './hook-input.js';
import { writeStdout } from './output.js';
import type { GtCommand } from './program.js';

interface PrimeFlags {
  identity?: string;
  hook?: boolean;
  json?: boolean;
  hookFormat?: string;
}

export function registerPrime(program: GtCommand): void {
  program
    .command('prime')
    .description('who this agent is, where it works, its mail and the handoff notes left for it')
    .option('--identity <address>', 'the agent (default: who you are)')
    .option('--hook', 'run as an agent’s session-start hook: reads its JSON, never fails')
    .option('--json', 'print the facts as JSON')
    .option(...HOOK_FORMAT_OPTION)
    .action(async (flags: PrimeFlags, cmd: Command) => {
      const payload = flags.hook ? readHookInput() : {};
      try {
        await withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
          const store = await town.store();
          const self = town.self(flags.identity);
          // A session's start names its conversation (Claude Code, Gemini CLI): on record now,
          // so a crash before its first prompt still resumes it.
          if (flags.hook) await noteOwnConversation(town, store, self, payload);
          const facts = await primeFacts(store, town.root, self);
          if (flags.json) printJson({ ...facts, notes: facts.notes.map((n) => n.id) });
          else writeStdout(hookContext(primeText(facts), flags.hookFormat));
        });
      } catch (err) {
        if (!flags.hook) throw err;
        process.stderr.write(`gt: prime: ${errorMessage(err)}\n`);
      }
      return 0;
    });
}

/** Records the conversation the hook names, if this is the agent's own session (its token). */
async function noteOwnConversation(
  town: TownContext,
  store: Store,
  id: Identity,
  payload: Record<string, unknown>,
): Promise<void> {
  if (!('session_id' in payload)) return;
  if (!(await isVerifiedSender(store, id, town.env.GT_AGENT_TOKEN))) return;
  const address = formatAddress(id);
  await noteConversation(store, address, payload, await store.getAgent(address));
}
