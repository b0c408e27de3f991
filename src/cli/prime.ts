// `gt prime [--hook]`: the agent's context for the start of a session (Claude Code's
// SessionStart hook prints it into the model's context). With --hook it never fails the hook.
import type { Command } from 'commander';
import { primeFacts, primeText } from '../agents/prime.js';
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
      if (flags.hook) readHookInput();
      try {
        await withTown(cmd.optsWithGlobals<GlobalOptions>(), async (town) => {
          const facts = await primeFacts(await town.store(), town.root, town.self(flags.identity));
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
