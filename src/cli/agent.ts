// `gt agent demo`: runs the stand-in agent until SIGTERM or SIGINT, then exits 0.
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { InputError } from '../errors.js';
import {
  DEFAULT_DEMO_INTERVAL_MS,
  realSchedule,
  spawnHandoff,
  startDemoAgent,
} from '../agents/demo-agent.js';
import type { GlobalOptions } from './context.js';
import { println } from './context.js';
import { untilStopped } from './process-life.js';
import { registerAgentReport } from './agent-report.js';

interface DemoFlags {
  handoffAfter?: string;
  interval?: string;
}

const MAX_SECONDS = 7 * 24 * 3600;

/** Milliseconds for a flag given in seconds ("5", "0.5"); `min` is in seconds too. */
export function parseSeconds(flag: string, text: string, min: number): number {
  const seconds = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < min || seconds > MAX_SECONDS) {
    throw new InputError(
      'GT_BAD_FLAG',
      `${flag} ${JSON.stringify(text)}: expected a number of seconds from ${min} to ${MAX_SECONDS}`,
    );
  }
  return Math.round(seconds * 1000);
}

export function registerAgent(program: GtCommand): void {
  const agent = program
    .command('agent')
    .description('agent programs that come with gt, and what agents report of themselves');
  registerAgentReport(agent);
  agent
    .command('demo')
    .description('a stand-in agent for demos and tests: prints a heartbeat, can hand off by itself')
    .option('--handoff-after <seconds>', 'run gt handoff --cycle after this many seconds')
    .option(
      '--interval <seconds>',
      'seconds between heartbeats',
      String(DEFAULT_DEMO_INTERVAL_MS / 1000),
    )
    .action(async (flags: DemoFlags, cmd: Command) => {
      const intervalMs = parseSeconds('--interval', flags.interval ?? '5', 0.01);
      const handoffAfterMs =
        flags.handoffAfter === undefined
          ? undefined
          : parseSeconds('--handoff-after', flags.handoffAfter, 0);
      const town = cmd.optsWithGlobals<GlobalOptions>().town;
      const gt = {
        execPath: process.execPath,
        script: process.argv[1],
        globalArgs: town === undefined ? [] : ['--town', town],
      };
      const demo = startDemoAgent(
        { intervalMs, handoffAfterMs, env: process.env, pid: process.pid },
        {
          schedule: realSchedule,
          now: () => new Date(),
          print: println,
          handoff: (signal) => spawnHandoff(gt, process.env, signal),
        },
      );
      // SIGTERM or SIGINT stops the agent; the command then returns and gt exits 0.
      await untilStopped(demo.stopped, (signal) => demo.stop(`got ${signal}`));
    });
}
