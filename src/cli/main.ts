// The `gt` command line: builds the command tree, runs it, and turns every error into
// one line on stderr and an exit code. bin.ts starts it (through launch.ts). Only a closed
// stdout (output.ts) exits the process before its command is done.
import { CommanderError } from 'commander';
import { GtError } from '../errors.js';
import { GT_VERSION } from '../version.js';
import { writeStdout } from './output.js';
import { GtCommand } from './program.js';
type Register = (program: GtCommand) => void;

/**
 * Each top-level command and how to load the group that defines it. Groups load on
 * demand, so a command pays only for its own modules (SQLite, tmux, zod), not everyone's.
 */
const GROUPS: ReadonlyArray<[names: readonly string[], load: () => Promise<Register>]> = [
  [['install', 'rig', 'crew'], async () => (await import('./town.js')).registerTown],
  [['mail'], async () => (await import('./mail.js')).registerMail],
  [['handoff'], async () => (await import('./handoff.js')).registerHandoff],
  [['daemon'], async () => (await import('./daemon.js')).registerDaemon],
  [['session', 'attach'], async () => (await import('./session.js')).registerSession],
  [['agent'], async () => (await import('./agent.js')).registerAgent],
  [['status', 'stat', 'events'], async () => (await import('./status.js')).registerStatus],
  [['status-line'], async () => (await import('./status-line.js')).registerStatusLine],
  [['config'], async () => (await import('./config.js')).registerConfig],
  [['prime'], async () => (await import('./prime.js')).registerPrime],
  [['nudge'], async () => (await import('./nudge.js')).registerNudge],
  [['store'], async () => (await import('./store.js')).registerStore],
  [['why'], async () => (await import('./why.js')).registerWhy],
  [['dashboard'], async () => (await import('./dashboard.js')).registerDashboard],
  [['notify'], async () => (await import('./notify.js')).registerNotify],
  [['costs'], async () => (await import('./costs.js')).registerCosts],
  [['version'], async () => (await import('./version.js')).registerVersion],
  [['doctor'], async () => (await import('./doctor.js')).registerDoctor],
  [['completion', '__complete'], async () => (await import('./completion.js')).registerCompletion],
];

/** Commands that need the whole command tree, not only their own group. */
const WHOLE_TREE = new Set(['completion', '__complete']);

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
export async function buildProgram(argv?: readonly string[]): Promise<GtCommand> {
  const program = new GtCommand('gt')
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
      writeOut: writeStdout,
      outputError: (text, write) => write(`gt: ${text.replace(/^error: /, '')}`),
    });
  const word = argv === undefined ? undefined : commandWord(argv.slice(2));
  const owner = GROUPS.find(([names]) => word !== undefined && names.includes(word));
  const groups = owner === undefined || WHOLE_TREE.has(word ?? '') ? GROUPS : [owner];
  for (const register of await Promise.all(groups.map(([, load]) => load()))) register(program);
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

/** Runs one `gt` command line (argv as in process.argv) and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return program.exitStatus;
  } catch (err) {
    return report(err);
  }
}
