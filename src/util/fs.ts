// Small file helpers: atomic writes (temp file, fsync, rename) and private modes.
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomHex } from './random.js';

/** Writes `data` to `path` so that readers see the old file or the new one, never half. */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  replaceFile(path, data, { mode });
}

export interface ReplaceOptions {
  mode: number;
  /** The mode as given, whatever the umask (else the umask may narrow it). */
  exactMode?: boolean;
  /** Asked once the new text is written, just before it replaces the file: true keeps the old. */
  unless?: () => boolean;
}

/**
 * Replaces `path` with `data` as writeFileAtomic does; false (the file left as it was) when
 * `unless` said so at the last moment.
 */
export function replaceFile(path: string, data: string | Buffer, opts: ReplaceOptions): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${randomHex(6)}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'wx', opts.mode);
  let replaced = false;
  try {
    try {
      if (opts.exactMode === true) fchmodSync(fd, opts.mode);
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.unless?.() === true) return false;
    renameSync(tmp, path);
    replaced = true;
  } finally {
    if (!replaced) {
      try {
        unlinkSync(tmp);
      } catch {
        // the temp file may not exist; the original error is what matters
      }
    }
  }
  fsyncDir(dirname(path));
  return true;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic
  }
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}

/** The last `max` bytes of a file as text ('' when it cannot be read): a log's or transcript's end. */
export function readTail(path: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = statSync(path).size;
    const length = Math.min(size, max);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
