// Waiting for a condition: one poller for every "until this is true, or give up" loop.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface PollOptions {
  timeoutMs: number;
  /** Time between checks (default 25 ms); with `fastStart`, the most it grows to. */
  intervalMs?: number;
  /** Check again after 1 ms, then 2, 4 … up to intervalMs: for conditions usually met at once. */
  fastStart?: boolean;
}

/**
 * Calls `check` until it returns a value other than undefined or false, and resolves with it;
 * resolves undefined once `timeoutMs` has passed without one (checked once more at the end).
 * A check that throws ends the wait with its error.
 */
export async function pollUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: PollOptions,
): Promise<T | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 25;
  for (let wait = opts.fastStart ? 1 : interval; ; wait = Math.min(wait * 2, interval)) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(wait, left));
  }
}
