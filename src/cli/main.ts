#!/usr/bin/env node
// Entry of the `gt` command line: builds the command tree, runs it, and turns every
// error into one line on stderr and an exit code. The only place that exits the process.
import { Command, CommanderError } from 'commander';
import { GtError } from '../errors.js';
import { GT_VERSION } from '../version.js';
import { registerAgent } from './agent.js';
import { registerConfig } from './config.js';
import { registerDaemon } from './daemon.js';
import { registerHandoff } from './handoff.js';
import { registerMail } from './mail.js';
import { registerSession } from './session.js';
import { registerStatus } from './status.js';
import { registerStore } from './store.js';
import { registerTown } from './town.js';

type Register = (program: Command) => void;

/** Each top-level command and the group that defines it. */
const GROUPS: ReadonlyArray<[names: readonly string[], register: Register]> = [
  [['install', 'rig', 'crew'], registerTown],
  [['mail'], registerMail],
  [['handoff'], registerHandoff],
  [['daemon'], registerDaemon],
  [['session', 'attach'], registerSession],
  [['agent'], registerAgent],
  [['status', 'events'], registerStatus],
  [['config'], registerConfig],
  [['store'], registerStore],
];

/** The command word of argv: the first argument that is not an option or an option's value. */
function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--town') i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * The command tree. Given argv, only the group that owns its command is built (every
 * command pays for its own parsing, not everyone's); help, errors and unknown words get all.
 */
export function buildProgram(argv?: readonly string[]): Command {
  const program = new Command('gt')
    .description(
      'Gas Town: keep a town of AI coding agents running in tmux and carry out their lifecycle requests',
    )
    .version(GT_VERSION, '-V, --version', 'print the gt version')
    .option(
      '--town <dir>',
      'town root (else GT_TOWN_ROOT, else the nearest folder above holding mayor/town.json)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`gt: ${text.replace(/^error: /, '')}`),
    });
  const word = argv === undefined ? undefined : commandWord(argv.slice(2));
  const owner = GROUPS.find(([names]) => word !== undefined && names.includes(word));
  for (const [, register] of owner === undefined ? GROUPS : [owner]) register(program);
  return program;
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has already printed its message; help and version exit 0
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof GtError) {
    process.stderr.write(`gt: ${err.message}\n`);
    if (err.hint !== undefined) process.stderr.write(`gt: hint: ${err.hint}\n`);
    if (process.env.GT_DEBUG === '1' && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`gt: ${message}\n`);
  if (process.env.GT_DEBUG === '1' && err instanceof Error && err.stack)
    process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram(argv).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err);
  }
}

// Output cut short by a closed pipe (gt mail inbox | head) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
void main(process.argv).then((code) => {
  process.exitCode = code;
});
