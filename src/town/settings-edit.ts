// `gt config set|unset`: one key of settings/config.json changed, the rest of the file kept as
// it was (its keys, their order, their values), the whole checked by the settings schema before
// anything is written, and written atomically (a reader sees the old file or the new one).
import { writeJsonAtomic } from '../util/fs.js';
import { InputError } from '../errors.js';
import { parseSettings, readSettingsFile } from './settings.js';

type Json = Record<string, unknown>;

const KEY = /^[A-Za-z0-9_*/.-]+$/;

/** The key's parts, refused when it cannot be a settings path. */
export function keyParts(key: string): string[] {
  const parts = key.split('.');
  if (!KEY.test(key) || parts.some((p) => p === '' || p === '__proto__' || p === 'constructor'))
    throw new InputError('GT_BAD_USAGE', `${JSON.stringify(key)} is not a settings key`, {
      hint: 'keys are dotted paths, such as daemon.heartbeat or agents.crew.budget (gt config show)',
    });
  return parts;
}

/** A value as typed: JSON where it reads as JSON (30, true, null, ["a"], "x"), else the text. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of `raw` with `key` set to `value` (objects made on the way). */
export function withKey(raw: Json, key: string, value: unknown): Json {
  const [head = '', ...rest] = keyParts(key);
  if (rest.length === 0) return { ...raw, [head]: value };
  const inner = isObject(raw[head]) ? raw[head] : {};
  return { ...raw, [head]: withKey(inner, rest.join('.'), value) };
}

/** A copy of `raw` without `key`; objects left empty by it go too. */
export function withoutKey(raw: Json, key: string): Json {
  const [head = '', ...rest] = keyParts(key);
  if (!(head in raw)) return raw;
  const copy: Json = { ...raw };
  if (rest.length === 0) delete copy[head];
  else {
    const inner = raw[head];
    if (!isObject(inner)) return raw;
    const next = withoutKey(inner, rest.join('.'));
    if (next === inner) return raw;
    if (Object.keys(next).length === 0) delete copy[head];
    else copy[head] = next;
  }
  return copy;
}

/** Checks the changed settings and writes them; throws SettingsError (nothing written) if bad. */
export function writeSettings(file: string, next: Json): void {
  parseSettings(next, file);
  writeJsonAtomic(file, next, 0o600);
}

export function setSetting(file: string, key: string, value: unknown): void {
  writeSettings(file, withKey(readSettingsFile(file), key, value));
}

/** Removes a key from the file; false when the file did not set it. */
export function unsetSetting(file: string, key: string): boolean {
  const raw = readSettingsFile(file);
  const next = withoutKey(raw, key);
  if (next === raw) return false;
  writeSettings(file, next);
  return true;
}
