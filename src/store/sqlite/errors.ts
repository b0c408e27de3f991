// SQLite's and the file system's errors as the store's typed errors, each saying what to do.
import { StoreError } from '../../errors.js';

/** `err`, met while doing `what` with the store `file`, as a StoreError with a stable code. */
export function storeError(err: unknown, file: string, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message ?? String(err);
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_BUSY_SNAPSHOT':
      return new StoreError(
        'GT_STORE_BUSY',
        `the store ${file} stayed locked by another process while ${what}`,
        {
          hint: 'try again; if it persists, look for a stuck gt process',
          cause: err,
        },
      );
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new StoreError(
        'GT_STORE_CORRUPT',
        `the store ${file} is not a valid database (${message})`,
        {
          hint: 'restore .gt/town.db from a backup or move it aside',
          cause: err,
        },
      );
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreError(
        'GT_STORE_UNAVAILABLE',
        `cannot use the store ${file} while ${what}: ${message}`,
        {
          hint: 'check that the file and its folder exist and belong to you',
          cause: err,
        },
      );
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return new StoreError('GT_STORE_FULL', `the disk holding ${file} is full while ${what}`, {
        cause: err,
      });
    default:
      return new StoreError('GT_STORE_ERROR', `store error while ${what}: ${message}`, {
        cause: err,
      });
  }
}
