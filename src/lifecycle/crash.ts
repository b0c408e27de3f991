// Fault injection for the exactly-once tests: when GT_TEST_CRASH_AT names a step, the
// process SIGKILLs itself there, as a crash at that instant would. Inert otherwise.

export function crashPoint(step: string): void {
  if (process.env.GT_TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
