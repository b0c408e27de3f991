// PostgreSQL and socket errors, sorted into the store's typed errors (the codes the SQLite
// backend uses), and the kinds that are safe to retry.
import { StoreError } from '../../errors.js';

interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Server going down, starting up, or out of connection slots. */
const SERVER_NOT_READY = new Set(['57P01', '57P02', '57P03', '53300']);

const DROPPED_CONNECTION =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|connection error/i;

function codeOf(err: unknown): string {
  const code = (err as PgLikeError | null)?.code;
  return typeof code === 'string' ? code : '';
}

function messageOf(err: unknown): string {
  const message = (err as PgLikeError | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** The server cannot be reached or has dropped us: nothing about the statement itself. */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  return (
    NETWORK_CODES.has(code) ||
    SERVER_NOT_READY.has(code) ||
    code.startsWith('08') ||
    DROPPED_CONNECTION.test(messageOf(err))
  );
}

/** Worth another try after a pause: the server is restarting or refused us for now. */
export function isTransientConnectError(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || SERVER_NOT_READY.has(code);
}

function isAuthError(code: string): boolean {
  return code.startsWith('28') || code === '3D000' || code === '42501';
}

function isBusy(err: unknown): boolean {
  const code = codeOf(err);
  // lock_timeout, statement_timeout (query_canceled), serialization failure, deadlock
  return (
    ['55P03', '57014', '40001', '40P01'].includes(code) ||
    /Query read timeout/i.test(messageOf(err))
  );
}

/** A typed store error for `err`, met at `where` (a URL without password) while doing `what`. */
export function pgStoreError(err: unknown, where: string, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = codeOf(err);
  const message = messageOf(err);
  if (isAuthError(code)) {
    return new StoreError(
      'GT_STORE_UNAVAILABLE',
      `the store ${where} refused us while ${what}: ${message}`,
      {
        hint: 'check the user, password and database in store.url (GT_DATABASE_URL)',
        cause: err,
      },
    );
  }
  if (isConnectionError(err)) {
    return new StoreError(
      'GT_STORE_UNAVAILABLE',
      `cannot reach the store ${where} while ${what}: ${message}`,
      {
        hint: 'check that PostgreSQL is running and that store.url (GT_DATABASE_URL) points at it',
        cause: err,
      },
    );
  }
  if (isBusy(err)) {
    return new StoreError(
      'GT_STORE_BUSY',
      `the store ${where} stayed busy or locked while ${what} (${message})`,
      {
        hint: 'try again; if it persists, look for a long transaction holding locks',
        cause: err,
      },
    );
  }
  if (code === '53100') {
    return new StoreError('GT_STORE_FULL', `the disk of the store ${where} is full while ${what}`, {
      cause: err,
    });
  }
  if (code === 'XX001' || code === 'XX002') {
    return new StoreError(
      'GT_STORE_CORRUPT',
      `the store ${where} reports corrupt data (${message})`,
      {
        hint: 'restore the database from a backup',
        cause: err,
      },
    );
  }
  return new StoreError('GT_STORE_ERROR', `store error while ${what}: ${message}`, { cause: err });
}
