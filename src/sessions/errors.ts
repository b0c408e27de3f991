// Typed errors of the tmux side: each has a stable code, and isTmuxUnavailable tells
// "tmux could not answer" (never a reason to kill) from an answer.
import { GtError, InputError, NotFoundError } from '../errors.js';

export class TmuxMissingError extends GtError {
  constructor() {
    super('GT_TMUX_MISSING', 'tmux is not installed or not on PATH', {
      hint: 'install tmux 3.2 or newer',
    });
  }
}

export class TmuxNoServerError extends GtError {
  constructor(socket: string) {
    super('GT_TMUX_NO_SERVER', `no tmux server is running on socket ${socket}`, {
      hint: 'gt session start <identity> starts one',
    });
  }
}

export class SessionExistsError extends GtError {
  constructor(name: string) {
    super('GT_SESSION_EXISTS', `session ${name} already exists`, {
      hint: 'gt session restart <identity> replaces it',
    });
  }
}

export class ForeignSessionError extends GtError {
  constructor(name: string, socket: string, town: string) {
    super(
      'GT_SESSION_FOREIGN',
      `session ${name} on tmux socket ${socket} belongs to another town (${town}); it is left alone`,
      { hint: 'give each town its own tmux server: leave tmux.socket at auto (the default)' },
    );
  }
}

export class SessionNotFoundError extends NotFoundError {
  constructor(name: string, socket: string) {
    super('GT_SESSION_NOT_FOUND', `no session ${name} on tmux socket ${socket}`, {
      hint: 'gt session list shows the running sessions; gt session start <identity> starts one',
    });
  }
}

export class TmuxTimeoutError extends GtError {
  constructor(what: string, ms: number) {
    super('GT_TMUX_TIMEOUT', `tmux ${what} did not answer within ${ms} ms`, {
      hint: 'the tmux server may be busy; try again',
    });
  }
}

export class TmuxFailedError extends GtError {
  constructor(what: string, detail: string) {
    super('GT_TMUX_FAILED', `tmux ${what} failed: ${detail}`);
  }
}

export class BadSessionNameError extends InputError {
  constructor(name: string) {
    super('GT_BAD_SESSION_NAME', `${JSON.stringify(name.slice(0, 60))} is not a session name`, {
      hint: 'session names hold only letters, digits, _ and -',
    });
  }
}

/** Errors that mean "tmux could not answer", as opposed to an answer. */
export function isTmuxUnavailable(err: unknown): boolean {
  return (
    err instanceof TmuxTimeoutError ||
    err instanceof TmuxFailedError ||
    err instanceof TmuxMissingError
  );
}
