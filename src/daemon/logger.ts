// The daemon's log: one JSON object per line in daemon/daemon.log (mode 0600), and
// optionally a short human line per entry on a stream (the foreground daemon, the demo).
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { GtError } from '../errors.js';
import { oneLine } from '../util/text.js';

export type Level = 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export interface FileLoggerOptions {
  file: string;
  /** Also print a human line for each entry here. */
  echo?: NodeJS.WritableStream;
  now?: () => number;
  /** Past this size the log is rotated before the next line (default: never). */
  maxBytes?: number;
  /** Rotated files kept: daemon.log.1 (newest) … daemon.log.<keep>. */
  keep?: number;
}

/**
 * Shifts daemon.log → daemon.log.1 → … → daemon.log.<keep> (the oldest is dropped); the next
 * line starts a new daemon.log. Renames never follow a symlink. Returns whether a log was there.
 */
export function rotateLog(file: string, keep: number): boolean {
  if (!existsSync(file)) return false;
  for (let i = keep - 1; i >= 1; i--)
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  renameSync(file, `${file}.1`);
  return true;
}

function appendLine(opts: FileLoggerOptions, line: string): void {
  if (opts.maxBytes !== undefined && logSize(opts.file) + line.length > opts.maxBytes)
    rotateLog(opts.file, opts.keep ?? 3);
  const fd = openSync(opts.file, LOG_FLAGS, 0o600);
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}

/** The log's size; -Infinity when empty or absent: a rotation is never due for those. */
function logSize(file: string): number {
  try {
    const size = lstatSync(file).size;
    return size === 0 ? -Infinity : size;
  } catch {
    return -Infinity;
  }
}

/** Append, born private, and never through a symlink planted in the daemon folder. */
const LOG_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/** Opens the daemon log for appending; a clear error when it cannot be (or is a symlink). */
export function openLog(file: string): number {
  try {
    return openSync(file, LOG_FLAGS, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new GtError(
        'GT_DAEMON_LOG',
        `the daemon log ${file} is a symbolic link: the daemon will not write through it`,
        { hint: `remove it (rm ${file}); the daemon makes a new one` },
      );
    }
    throw new GtError(
      'GT_DAEMON_LOG',
      `cannot open the daemon log ${file}: ${(err as Error).message}`,
      { hint: 'check that the town folder is writable and its disk not full' },
    );
  }
}

export function fileLogger(opts: FileLoggerOptions): Logger {
  closeSync(openLog(opts.file));
  const now = opts.now ?? Date.now;
  return {
    log(level, msg, fields = {}) {
      const entry = { ts: new Date(now()).toISOString(), level, msg, ...fields };
      try {
        appendLine(opts, `${JSON.stringify(entry)}\n`);
      } catch {
        // A full disk must not stop the daemon; the event store still records what happened.
      }
      opts.echo?.write(`${humanLine(entry)}\n`);
    },
  };
}

export function humanLine(
  entry: { ts: string; level: string; msg: string } & Record<string, unknown>,
): string {
  const time = entry.ts.slice(11, 19);
  const rest = Object.entries(entry)
    .filter(([k, v]) => !['ts', 'level', 'msg'].includes(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const level = entry.level === 'info' ? '' : `${entry.level.toUpperCase()} `;
  return oneLine(`${time} ${level}${entry.msg}${rest ? `  ${rest}` : ''}`);
}

export const silentLogger: Logger = { log: () => undefined };
