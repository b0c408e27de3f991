// Every error a user can meet: a stable code, a message that says what to do,
// and whether it is bad input (exit 2) or a failure (exit 1).

export type ExitCode = 1 | 2;

/** Every error code gt reports: stable, so scripts and tests can match on them. */
export const ERROR_CODES = [
  'GT_BAD_BODY',
  'GT_BAD_BRANCH',
  'GT_BAD_COMMAND',
  'GT_BAD_DURATION',
  'GT_BAD_ENV',
  'GT_BAD_FLAG',
  'GT_BAD_HOST',
  'GT_BAD_IDENTITY',
  'GT_BAD_LIMIT',
  'GT_BAD_LINES',
  'GT_BAD_MESSAGE_ID',
  'GT_BAD_NAME',
  'GT_BAD_PORT',
  'GT_BAD_PRIORITY',
  'GT_BAD_SESSION_NAME',
  'GT_BAD_SETTING',
  'GT_BAD_STORE_URL',
  'GT_BAD_SUBJECT',
  'GT_BAD_THEME',
  'GT_BAD_TIME',
  'GT_BAD_TIMEOUT',
  'GT_BAD_TYPE',
  'GT_BAD_URL',
  'GT_BAD_USAGE',
  'GT_BAD_WORKDIR',
  'GT_AGENT_BUSY',
  'GT_AGENT_NOT_READY',
  'GT_BODY_TOO_LONG',
  'GT_CANNOT_RESUME',
  'GT_CREW_EXISTS',
  'GT_DAEMON_LOCK',
  'GT_DAEMON_LOG',
  'GT_CLAUDE_CONFIG',
  'GT_DAEMON_RUNNING',
  'GT_DAEMON_SOCKET',
  'GT_DAEMON_RESTART',
  'GT_DAEMON_START_FAILED',
  'GT_DAEMON_SUPERVISED',
  'GT_DAEMON_TAKEOVER',
  'GT_DAEMON_STOP_TIMEOUT',
  'GT_DASHBOARD_LISTEN',
  'GT_DASHBOARD_SECRET',
  'GT_DIR_NOT_EMPTY',
  'GT_EMPTY_SUBJECT',
  'GT_GIT_FAILED',
  'GT_GIT_MISSING',
  'GT_GIT_TIMEOUT',
  'GT_HOOKS_NOT_INSTALLED',
  'GT_MESSAGE_NOT_FOUND',
  'GT_NO_IDENTITY',
  'GT_NO_STORE_URL',
  'GT_NOT_A_TERMINAL',
  'GT_PATH_EXISTS',
  'GT_REQUEST_LOST',
  'GT_RIG_EXISTS',
  'GT_RIG_NOT_FOUND',
  'GT_SESSION_EXISTS',
  'GT_SESSION_FOREIGN',
  'GT_SESSION_NOT_FOUND',
  'GT_STATE_CORRUPT',
  'GT_STATE_LOCKED',
  'GT_STATE_OUTSIDE_TOWN',
  'GT_STATE_UNREADABLE',
  'GT_STATE_UNWRITABLE',
  'GT_STORE_BUSY',
  'GT_STORE_CLOSED',
  'GT_STORE_COPY_MISMATCH',
  'GT_STORE_CORRUPT',
  'GT_STORE_ERROR',
  'GT_STORE_FULL',
  'GT_STORE_NOT_EMPTY',
  'GT_STORE_NOT_FOUND',
  'GT_STORE_TOO_NEW',
  'GT_STORE_UNAVAILABLE',
  'GT_SUBJECT_TOO_LONG',
  'GT_SUPERVISOR',
  'GT_SYNC_FAILED',
  'GT_TMUX_FAILED',
  'GT_TMUX_MISSING',
  'GT_TMUX_NO_SERVER',
  'GT_TMUX_TIMEOUT',
  'GT_TOWN_CORRUPT',
  'GT_TOWN_EXISTS',
  'GT_TOWN_NOT_FOUND',
  'GT_UNKNOWN_ADDRESS',
  'GT_UNVERIFIED_SENDER',
  'GT_WAIT_TIMEOUT',
  'GT_WORKDIR_MISSING',
  'GT_WORKDIR_OUTSIDE_TOWN',
  // The dashboard's HTTP answers (dashboard/http.ts gives each its status).
  'GT_BAD_CONTENT_TYPE',
  'GT_BAD_EVENT_ID',
  'GT_BAD_METHOD',
  'GT_BAD_REQUEST',
  'GT_CROSS_SITE',
  'GT_FORBIDDEN',
  'GT_INTERNAL',
  'GT_NOT_FOUND',
  'GT_NOT_READY',
  'GT_TOO_MANY_STREAMS',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class GtError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
  }
}

/** Bad input: a name, an address, a flag value, a file the user gave us. Exit 2. */
export class InputError extends GtError {
  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCode: 2 });
  }
}

export class BadIdentityError extends InputError {
  constructor(message: string) {
    super('GT_BAD_IDENTITY', message, {
      hint: 'addresses look like mayor, deacon, <rig>/witness, <rig>/refinery or <rig>/crew/<name>',
    });
  }
}

export class TownNotFoundError extends GtError {
  constructor(message: string) {
    super('GT_TOWN_NOT_FOUND', message, {
      exitCode: 2,
      hint: 'pass --town DIR, set GT_TOWN_ROOT, or run inside a town (gt install <dir> makes one)',
    });
  }
}

export class SettingsError extends InputError {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super('GT_BAD_SETTING', `bad settings in ${file}: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export class StoreError extends GtError {
  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

export class NotFoundError extends GtError {
  constructor(code: ErrorCode, message: string, opts: { hint?: string } = {}) {
    super(code, message, { ...opts, exitCode: 1 });
  }
}

/** A broken invariant of gastown-ts itself (never the user's input): a bug to report. */
export class InternalError extends GtError {
  constructor(message: string) {
    super('GT_INTERNAL', message, { hint: 'this is a bug in gastown-ts; please report it' });
  }
}

/** An HTTP answer other than 2xx from the dashboard, with its status and a stable code. */
export class HttpError extends GtError {
  readonly status: number;
  constructor(status: number, code: ErrorCode, message: string) {
    super(code, message, { exitCode: status < 500 ? 2 : 1 });
    this.status = status;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
