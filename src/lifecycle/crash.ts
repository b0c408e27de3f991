// Fault injection for the exactly-once tests: when GT_TEST_CRASH_AT names a step, the
// process SIGKILLs itself there, as a crash at that instant would. Wired by `gt daemon run`
// into the agent context; nothing else reads the variable.
import type { CrashStep } from '../agents/context.js';

export function crashPointFromEnv(env: NodeJS.ProcessEnv): ((step: CrashStep) => void) | undefined {
  const at = env.GT_TEST_CRASH_AT;
  if (at === undefined || at === '') return undefined;
  return (step) => {
    if (step === at) process.kill(process.pid, 'SIGKILL');
  };
}
