// The command tree's own Command class: an action returns its exit code (nothing, for 0),
// and the program keeps it for main() to return. No command writes process.exitCode.
import { Command } from 'commander';

/** What an action returns: an exit code, or nothing for success. */
export type ExitStatus = number | void;

export class GtCommand extends Command {
  /** The exit code of the action that ran; kept on the root command. */
  exitStatus = 0;

  override createCommand(name?: string): GtCommand {
    return new GtCommand(name);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander passes arguments, options and the command
  override action(fn: (...args: any[]) => ExitStatus | Promise<ExitStatus>): this {
    return super.action(async (...args: unknown[]) => {
      const code = await fn(...args);
      if (typeof code === 'number') this.root().exitStatus = code;
    });
  }

  /** The program this command belongs to. */
  root(): GtCommand {
    const parent = this.parent;
    return parent instanceof GtCommand ? parent.root() : this;
  }
}
