// `gt completion bash|zsh|fish`: a script for the shell that asks gt itself what may come next
// (`gt __complete <words…>`): the commands and flags of the command tree as it is, and the
// town's agent addresses where a command takes one.
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { townAgents } from '../town/agents.js';
import { formatAddress } from '../town/identity.js';
import { findTownRoot } from '../town/layout.js';
import type { GlobalOptions } from './context.js';
import { println } from './context.js';
import type { GtCommand } from './program.js';

const SCRIPTS: Record<string, string> = {
  bash: `# gt completion for bash: eval "$(gt completion bash)" in ~/.bashrc
_gt_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(gt __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _gt_complete gt
`,
  zsh: `#compdef gt
# gt completion for zsh: eval "$(gt completion zsh)" in ~/.zshrc (after compinit)
_gt() {
  local -a next
  next=("\${(@f)$(gt __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- \${next:#}
}
compdef _gt gt
`,
  fish: `# gt completion for fish: gt completion fish > ~/.config/fish/completions/gt.fish
complete -c gt -f -a '(gt __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
};

/** Argument names that take an agent's address. */
const ADDRESS_ARG = /^(identity|address|agent|to|recipient)s?$/;

/** What may come after `words` (the last one the word being typed), for the command tree. */
export function candidates(
  program: Command,
  words: readonly string[],
  addresses: () => string[],
): string[] {
  const partial = words.at(-1) ?? '';
  let cmd = program;
  let positional = 0;
  for (const w of words.slice(0, -1)) {
    if (w.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub !== undefined) cmd = sub;
    else positional++;
  }
  const starts = (c: string): boolean => c.startsWith(partial);
  if (partial.startsWith('-'))
    return cmd.options.flatMap((o) => (o.long === undefined ? [] : [o.long])).filter(starts);
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden);
  if (subs.length > 0) return subs.map((c) => c.name()).filter(starts);
  const arg = cmd.registeredArguments[positional] ?? cmd.registeredArguments.at(-1);
  if (arg !== undefined && ADDRESS_ARG.test(arg.name())) return addresses().filter(starts);
  return [];
}

function townAddresses(town: string | undefined): string[] {
  try {
    return townAgents(findTownRoot({ town, env: process.env })).map(formatAddress);
  } catch {
    return []; // outside a town: no addresses
  }
}

export function registerCompletion(program: GtCommand): void {
  program
    .command('completion')
    .description(
      'print a completion script for bash, zsh or fish (commands, flags and the town’s agent addresses)',
    )
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      const script = SCRIPTS[shell];
      if (script === undefined)
        throw new InputError(
          'GT_BAD_USAGE',
          `no completion for ${JSON.stringify(shell)}: bash, zsh or fish`,
        );
      println(script.trimEnd());
    });
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action((words: string[], _opts: unknown, cmd: Command) => {
      const town = cmd.optsWithGlobals<GlobalOptions>().town;
      const next = candidates(program, words.length === 0 ? [''] : words, () =>
        townAddresses(town),
      );
      for (const c of next) println(c);
    });
}
