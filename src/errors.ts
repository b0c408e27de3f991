// Every error a user can meet: a stable code, a message that says what to do,
// and whether it is bad input (exit 2) or a failure (exit 1).

export type ExitCode = 1 | 2;

export class GtError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(
    code: string,
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
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
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
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

export class NotFoundError extends GtError {
  constructor(code: string, message: string, opts: { hint?: string } = {}) {
    super(code, message, { ...opts, exitCode: 1 });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
