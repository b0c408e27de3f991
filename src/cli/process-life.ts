// What a long-running command (the daemon, the demo agent) shares: flag values that are
// durations, and living until a signal or its own end, with only its own listeners removed.
import { InputError } from '../errors.js';
import { parseDuration } from '../util/duration.js';

/** A `--timeout` value: a duration like 30s or 2m, else bad usage. */
export function parseTimeout(text: string): number {
  const value = parseDuration(text);
  if (value === undefined)
    throw new InputError(
      'GT_BAD_DURATION',
      `--timeout ${JSON.stringify(text)} is not a duration like 30s or 2m`,
    );
  return value;
}

/**
 * Waits for `stopped`; SIGTERM and SIGINT meanwhile call `onStop`, SIGUSR1 `onWake` (if given).
 * Only the listeners added here are removed again.
 */
export async function untilStopped(
  stopped: Promise<void>,
  onStop: (signal: NodeJS.Signals) => void,
  onWake?: () => void,
): Promise<void> {
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  if (onWake !== undefined) process.on('SIGUSR1', onWake);
  try {
    await stopped;
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    if (onWake !== undefined) process.off('SIGUSR1', onWake);
  }
}
