// A daemon pass that failed (the store busy or gone, tmux not answering): logged, on record
// when the store takes it, and tried again after a doubling delay; the first good pass after
// failures goes on record too, so a store that was down leaves a trace.
import { errorMessage, StoreError } from '../errors.js';
import type { NewEvent } from '../store/store.js';
import type { Logger } from './logger.js';

/** The first retry's delay; each failure after doubles it, up to a heartbeat. */
const PASS_RETRY_MS = 250;

export class PassFailures {
  private failures = 0;
  private last = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    /** Records an event if the store takes it (never throws). */
    private readonly emit: (event: NewEvent) => Promise<void>,
    /** Asks for another pass. */
    private readonly retry: () => void,
  ) {}

  /** Failures since the last good pass. */
  get count(): number {
    return this.failures;
  }

  async failed(reason: string, err: unknown, heartbeatMs: number): Promise<void> {
    this.failures += 1;
    this.last = errorMessage(err);
    const delay = Math.min(PASS_RETRY_MS * 2 ** Math.min(this.failures - 1, 16), heartbeatMs);
    this.log.log('error', 'pass failed', {
      reason,
      error: this.last,
      failures: this.failures,
      retry_in_ms: delay,
    });
    // A store that failed would only keep the loop waiting out its busy timeout once more:
    // its failures go on record as one event when it works again (recovered()).
    if (!(err instanceof StoreError))
      await this.emit({
        kind: 'daemon.pass-failed',
        outcome: 'retry',
        reason: this.last,
        data: { failures: this.failures, retryInMs: delay },
      });
    clearTimeout(this.timer);
    this.timer = setTimeout(this.retry, delay);
  }

  /** A good pass: after failures, on record as one event. */
  async passed(): Promise<void> {
    if (this.failures === 0) return;
    const failures = this.failures;
    this.failures = 0;
    clearTimeout(this.timer);
    const reason = `${failures} failed pass${failures === 1 ? '' : 'es'} before this one; the last: ${this.last}`;
    this.log.log('info', 'daemon recovered', { failures, last_error: this.last });
    await this.emit({ kind: 'daemon.recovered', outcome: 'recovered', reason });
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
