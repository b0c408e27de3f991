// A lock file for read-modify-write of a small file shared by several processes on
// one host: made with O_EXCL, holding "<pid> <nonce>"; a dead holder's lock is broken,
// a live one is waited for until a deadline.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { sleep } from '../util/wait.js';
import { randomHex } from '../util/random.js';

export interface FileLock {
  /** The lock file itself. */
  path: string;
  /** Made only while breaking a stale lock (see breakStale). */
  breakerPath: string;
}

export interface LockOptions {
  timeoutMs: number;
  /** The error for a lock still held at the deadline; `holderPid` when the holder is known. */
  timeoutError(holderPid: number | undefined): Error;
  /** The error for a lock file that cannot be made at all (folder missing, no permission). */
  createError(cause: unknown): Error;
}

interface Holder {
  content: string;
  pid: number | undefined;
  ageMs: number;
}

/** A lock file without a pid is a writer that died between creating and filling it. */
const EMPTY_LOCK_GRACE_MS = 2_000;
/** Breaking a stale lock takes microseconds; a breaker file this old is itself stale. */
const BREAKER_STALE_MS = 10_000;

/** Runs `fn` holding the lock, and releases it however `fn` ends. */
export async function withFileLock<T>(
  lock: FileLock,
  opts: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const token = newToken();
  await acquire(lock, token, opts);
  try {
    return await fn();
  } finally {
    release(lock.path, token);
  }
}

function newToken(): string {
  return `${process.pid} ${randomHex(8)}\n`;
}

async function acquire(lock: FileLock, token: string, opts: LockOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(lock.path, token, opts)) return;
    const holder = readHolder(lock.path);
    const stale = holder !== undefined && isStale(holder);
    if (stale) breakStale(lock, holder, opts);
    if (Date.now() >= deadline) throw opts.timeoutError(holder?.pid);
    // A lock just broken or released is worth trying again at once; a held one, a little later.
    await sleep(stale || holder === undefined ? 0 : Math.min(2 ** attempt, 50));
  }
}

/** True when we made the file; false when someone else holds it. */
function tryCreate(path: string, token: string, opts: LockOptions): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw opts.createError(err);
  }
  try {
    writeSync(fd, token);
  } catch (err) {
    // A full disk takes the file but not its content: an empty lock would hold up every
    // other writer until it looks abandoned, so take it away again and say why.
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
    throw opts.createError(err);
  }
  closeSync(fd);
  return true;
}

function readHolder(path: string): Holder | undefined {
  try {
    const content = readLockFile(path);
    const ageMs = Date.now() - lstatSync(path).mtimeMs;
    const match = /^(\d{1,10}) /.exec(content);
    const pid = match ? Number(match[1]) : undefined;
    return { content, pid: pid !== undefined && pid > 0 ? pid : undefined, ageMs };
  } catch {
    return undefined; // released between our attempt and this read: just try again
  }
}

/** What a lock file holds; never read through a symlink (or from a FIFO) planted in its place. */
const NOT_A_LOCK = '\0not a lock file\0';

function readLockFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    // A symlink holds no pid: like an empty lock, it is broken once it looks abandoned.
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return NOT_A_LOCK;
    throw err;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : NOT_A_LOCK;
  } finally {
    closeSync(fd);
  }
}

function isStale(holder: Holder): boolean {
  return holder.pid === undefined ? holder.ageMs > EMPTY_LOCK_GRACE_MS : !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a dead holder's lock. Only the holder of the breaker file may unlink the
 * lock of someone else, and it checks again under the breaker that the lock is the
 * same stale one: without that, two breakers could both see the stale lock and the
 * slower one would delete the fresh lock the faster one made in between.
 */
function breakStale(lock: FileLock, seen: Holder, opts: LockOptions): void {
  const token = newToken();
  if (!tryCreate(lock.breakerPath, token, opts)) {
    const other = readHolder(lock.breakerPath);
    if (other !== undefined && other.ageMs > BREAKER_STALE_MS)
      release(lock.breakerPath, other.content);
    return;
  }
  try {
    const now = readHolder(lock.path);
    if (now !== undefined && now.content === seen.content && isStale(now))
      release(lock.path, now.content);
  } finally {
    release(lock.breakerPath, token);
  }
}

/** Unlinks `path` if it still holds `token`: never someone else's lock. */
function release(path: string, token: string): void {
  try {
    if (readLockFile(path) === token) unlinkSync(path);
  } catch {
    // already gone: nothing to release
  }
}
