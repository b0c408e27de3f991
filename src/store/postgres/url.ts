// PostgreSQL store URLs: checked before anything connects, and shown without their password.
// Loads no driver, so the CLI can validate `--store` and settings cheaply.
import { InputError } from '../../errors.js';

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export interface StoreUrl {
  /** The URL to connect with (a `schema` given separately is folded into its options). */
  href: string;
  /** The URL without its password, for messages and logs. */
  redacted: string;
  hasPassword: boolean;
}

/** Checks a postgres:// URL; throws GT_BAD_STORE_URL (exit 2) saying what is wrong. */
export function parseStoreUrl(text: string, schema?: string): StoreUrl {
  const bad = (why: string): InputError =>
    new InputError('GT_BAD_STORE_URL', `bad store URL ${redactText(text)}: ${why}`, {
      hint: 'use postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE',
    });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw bad(`the scheme must be postgres:// or postgresql://, not ${url.protocol}//`);
  if (url.hostname === '' && url.searchParams.get('host') === null) throw bad('no host');
  if (url.port !== '' && !(Number(url.port) > 0 && Number(url.port) < 65536)) throw bad('bad port');
  if (url.pathname.length <= 1) throw bad('no database name');
  if (url.hash !== '') throw bad('a URL fragment (#…) means nothing here');
  if (schema !== undefined) {
    if (!SCHEMA_RE.test(schema))
      throw bad(`schema ${JSON.stringify(schema)} must be lower-case letters, digits and _`);
    const prior = url.searchParams.get('options');
    const searchPath = `-c search_path=${schema}`;
    url.searchParams.set('options', prior === null ? searchPath : `${prior} ${searchPath}`);
  }
  const hasPassword = url.password !== '';
  return { href: url.href, redacted: redact(url), hasPassword };
}

/** The schema name rule, for callers that make schemas (tests, tools). */
export function isSchemaName(name: string): boolean {
  return SCHEMA_RE.test(name);
}

function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  copy.search = '';
  return copy.href;
}

/** Best effort for text that may not even parse: never echo what looks like a password. */
export function redactText(text: string): string {
  try {
    return redact(new URL(text));
  } catch {
    return JSON.stringify(text.replace(/:[^:@/]*@/, ':***@').slice(0, 200));
  }
}
