// An agent's state.json: the requesting_<action> fields of the lifecycle protocol
// (protocol/request.ts) plus whatever else the agent keeps there. Reads take no lock (every
// write is an atomic rename); read-modify-write runs under a lock file so concurrent writers
// lose nothing.
import type { Stats } from 'node:fs';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GtError, InternalError } from '../errors.js';
import type { Identity } from '../town/identity.js';
import { formatAddress, stateFilePath } from '../town/identity.js';
import { writeFileAtomic } from '../util/fs.js';
import type { LifecycleAction, RequestingFields } from '../protocol/request.js';
import { requestingProblems, withoutRequest, withRequest } from '../protocol/request.js';
import type { FileLock } from './lock.js';
import { withFileLock } from './lock.js';

/** The parsed file: the protocol's fields are typed, every other field is kept as it is. */
export type AgentState = RequestingFields;

export type AgentStateErrorCode =
  | 'GT_STATE_CORRUPT'
  | 'GT_STATE_UNREADABLE'
  | 'GT_STATE_OUTSIDE_TOWN'
  | 'GT_STATE_UNWRITABLE'
  | 'GT_STATE_LOCKED';

export class AgentStateError extends GtError {
  declare readonly code: AgentStateErrorCode;
  readonly file: string;

  constructor(
    code: AgentStateErrorCode,
    file: string,
    message: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, opts);
    this.file = file;
  }
}

export interface StateWriteOptions {
  /** How long to wait for another writer's lock before giving up (default 10 s). */
  lockTimeoutMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Bigger than any real state file; refusing it keeps a runaway file from being slurped. */
const MAX_STATE_BYTES = 1024 * 1024;

/**
 * Every problem with the protocol's fields, or [] when the value is a usable state. A field
 * that is null counts as absent; only a wrong non-null type is a problem.
 */
export function stateProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`expected a JSON object, found ${Array.isArray(value) ? 'an array' : show(value)}`];
  }
  return requestingProblems(value as Record<string, unknown>);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

// ---------------------------------------------------------------------------
// Finding the file: never outside the town, whatever symlinks say

interface Located {
  /** The path the layout names, for messages. */
  file: string;
  /** The same file with every symlink resolved; what we read, lock and replace. */
  real: string;
  /** False when the folder that should hold the file does not exist. */
  folderExists: boolean;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** "ENOSPC: no space left on device" from a file system error, so the user reads what happened. */
function fsReason(err: unknown): string {
  const code = errCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined && message.startsWith(`${code}: `)) return message.split(',')[0] ?? code;
  return code ?? message;
}

function unreadable(file: string, why: string, cause?: unknown): AgentStateError {
  return new AgentStateError(
    'GT_STATE_UNREADABLE',
    file,
    `cannot read agent state ${file}: ${why}`,
    {
      hint: 'check the file’s type and permissions',
      cause,
    },
  );
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function requireInside(realRoot: string, real: string, file: string): void {
  if (isInside(realRoot, real)) return;
  throw new AgentStateError(
    'GT_STATE_OUTSIDE_TOWN',
    file,
    `agent state ${file} resolves to ${real}, outside the town`,
    {
      hint: 'replace the symlink with a regular file inside the town',
    },
  );
}

function locate(root: string, id: Identity): Located {
  const file = stateFilePath(root, id);
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (err) {
    throw unreadable(file, `town root ${root} is not accessible (${errCode(err) ?? 'error'})`, err);
  }
  let link: Stats | undefined;
  try {
    link = lstatSync(file);
  } catch (err) {
    if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR')
      throw unreadable(file, String(errCode(err)), err);
  }
  if (link === undefined) return locateMissing(realRoot, file);
  let real: string;
  try {
    real = realpathSync(file);
  } catch (err) {
    if (errCode(err) !== 'ENOENT' || !link.isSymbolicLink())
      throw unreadable(file, String(errCode(err)), err);
    requireInside(realRoot, resolve(dirname(file), readlinkSync(file)), file);
    throw unreadable(file, 'it is a symlink to a file that does not exist', err);
  }
  requireInside(realRoot, real, file);
  return { file, real, folderExists: true };
}

function locateMissing(realRoot: string, file: string): Located {
  let folder: string;
  try {
    folder = realpathSync(dirname(file));
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR')
      return { file, real: file, folderExists: false };
    throw unreadable(file, String(errCode(err)), err);
  }
  const real = join(folder, basename(file));
  requireInside(realRoot, real, file);
  return { file, real, folderExists: true };
}

// ---------------------------------------------------------------------------
// Reading

/** The agent's state; {} when it has none. Throws AgentStateError, never treats a bad file as a request. */
export function readAgentState(root: string, id: Identity): AgentState {
  const located = locate(root, id);
  return located.folderExists ? (readLocated(located) ?? {}) : {};
}

function readLocated({ file, real }: Located): AgentState | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink swapped in after the check is refused; O_NONBLOCK: a FIFO cannot hang us.
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    if (errCode(err) === 'ELOOP')
      throw unreadable(file, 'it became a symlink while being read', err);
    throw unreadable(file, String(errCode(err) ?? err), err);
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw unreadable(file, 'it is a directory, not a file');
    if (!stat.isFile()) throw unreadable(file, 'it is not a regular file');
    if (stat.size > MAX_STATE_BYTES)
      throw corrupt(file, [`it is ${stat.size} bytes long (at most ${MAX_STATE_BYTES})`]);
    text = readFileSync(fd, 'utf8');
  } catch (err) {
    throw err instanceof AgentStateError ? err : unreadable(file, String(errCode(err) ?? err), err);
  } finally {
    closeSync(fd);
  }
  return parseState(text, file);
}

function corrupt(file: string, problems: readonly string[], cause?: unknown): AgentStateError {
  return new AgentStateError(
    'GT_STATE_CORRUPT',
    file,
    `agent state ${file} is corrupt: ${problems.join('; ')}`,
    {
      hint: 'fix the file by hand, or remove it to start the agent with no state',
      cause,
    },
  );
}

/** Parses the file's text; `file` only names it in errors. */
export function parseState(text: string, file: string): AgentState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, [`not valid JSON (${(err as Error).message})`], err);
  }
  const problems = stateProblems(value);
  if (problems.length > 0) throw corrupt(file, problems);
  return value as AgentState;
}

// ---------------------------------------------------------------------------
// Writing: read-modify-write under the lock

/**
 * Reads the state, applies `change` and writes the result atomically (mode 0600),
 * all under the state file's lock. `change` returning undefined writes nothing.
 * A corrupt file is never overwritten: the read throws first.
 */
export async function updateAgentState(
  root: string,
  id: Identity,
  change: (state: AgentState) => AgentState | undefined | Promise<AgentState | undefined>,
  opts: StateWriteOptions = {},
): Promise<AgentState> {
  const located = locate(root, id);
  if (!located.folderExists) {
    throw new AgentStateError(
      'GT_STATE_UNWRITABLE',
      located.file,
      `cannot write agent state for ${formatAddress(id)}: its folder does not exist`,
      {
        hint: 'is the rig or crew member set up? (gt rig add, gt crew add)',
      },
    );
  }
  return withStateLock(located, opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, async () => {
    const current = readLocated(located) ?? {};
    const next = await change(current);
    if (next === undefined) return current;
    const problems = stateProblems(next);
    if (problems.length > 0)
      throw new InternalError(`refusing to write a bad agent state: ${problems.join('; ')}`);
    try {
      writeFileAtomic(located.real, `${JSON.stringify(next, null, 2)}\n`, 0o600);
    } catch (err) {
      throw new AgentStateError(
        'GT_STATE_UNWRITABLE',
        located.file,
        `cannot write agent state ${located.file}: ${fsReason(err)}`,
        { cause: err },
      );
    }
    return next;
  });
}

/** Step 1 of `gt handoff`: mark the agent as asking for `action`, keeping every other field. */
export function setRequesting(
  root: string,
  id: Identity,
  action: LifecycleAction,
  requestId: string,
  now: Date,
  opts: StateWriteOptions = {},
): Promise<AgentState> {
  return updateAgentState(root, id, (state) => withRequest(state, action, requestId, now), opts);
}

/**
 * Removes the request's fields once the daemon has acted. With `requestId`, only
 * if that request is still the current one, so a newer request is never wiped.
 */
export async function clearRequesting(
  root: string,
  id: Identity,
  action: LifecycleAction,
  requestId?: string,
  opts: StateWriteOptions = {},
): Promise<{ cleared: boolean; state: AgentState }> {
  let cleared = false;
  const state = await updateAgentState(
    root,
    id,
    (current) => {
      const next = withoutRequest(current, action, requestId);
      cleared = next !== undefined;
      return next?.state;
    },
    opts,
  );
  return { cleared, state };
}

// ---------------------------------------------------------------------------
// The lock lives next to the real file. Its names end in .tmp so that the
// `.state.json.*.tmp` pattern crew clones exclude from git covers them too.

export function lockFilePath(realStateFile: string): string {
  return join(dirname(realStateFile), `.${basename(realStateFile)}.lock.tmp`);
}

function stateLock(realStateFile: string): FileLock {
  const breakerPath = join(dirname(realStateFile), `.${basename(realStateFile)}.break.tmp`);
  return { path: lockFilePath(realStateFile), breakerPath };
}

function withStateLock<T>(located: Located, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const { file } = located;
  const lock = stateLock(located.real);
  return withFileLock(
    lock,
    {
      timeoutMs,
      timeoutError: (pid) =>
        new AgentStateError(
          'GT_STATE_LOCKED',
          file,
          `agent state ${file} is locked by ${pid === undefined ? 'another writer' : `process ${pid}`}; gave up after ${timeoutMs} ms`,
          { hint: `if no gt process is writing this agent's state, remove ${lock.path}` },
        ),
      createError: (cause) =>
        new AgentStateError(
          'GT_STATE_UNWRITABLE',
          file,
          `cannot lock agent state ${file}: ${fsReason(cause)}`,
          {
            cause,
          },
        ),
    },
    fn,
  );
}
