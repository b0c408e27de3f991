// Town settings: one zod schema (settings-schema.ts) gives the types, the defaults and the docs.
// Loading is read → parse → overlay environment and flags → check, reporting every problem at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod/mini';
import { SettingsError } from '../errors.js';
import type { Role } from './identity.js';
import type { Json, SettingSource } from './settings-overlay.js';
import { getPath, overlaySettings } from './settings-overlay.js';
import type { Settings } from './settings-schema.js';
import { settingsSchema } from './settings-schema.js';
import { parsedSettings } from './settings-cache.js';

export type { SettingSource } from './settings-overlay.js';
export { getPath } from './settings-overlay.js';
export type { Settings, SettingsInput } from './settings-schema.js';
export { DEFAULT_KEEP_ALIVE, RESERVED_ENV } from './settings-schema.js';
export {
  describeSettingKey,
  flattenSettings,
  maskedSettings,
  shownValue,
} from './settings-show.js';

export function settingsFile(townRoot: string): string {
  return join(townRoot, 'settings', 'config.json');
}

export function readSettingsFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsError(file, [`cannot read: ${(err as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SettingsError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SettingsError(file, ['expected a JSON object at the top level']);
  }
  return parsed as Json;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Settings given by flags, as dotted paths; they win over everything else. */
  overrides?: Readonly<Record<string, unknown>>;
}

export interface LoadedSettings {
  settings: Settings;
  file: string;
  sources: ReadonlyMap<string, SettingSource>;
}

export function loadSettings(townRoot: string, opts: LoadOptions = {}): LoadedSettings {
  const file = settingsFile(townRoot);
  const raw = readSettingsFile(file);
  const env = opts.env ?? process.env;
  const { sources, origin } = overlaySettings(raw, env, opts.overrides ?? {});
  const settings = parsedSettings(townRoot, raw, () => parseSettings(raw, file, origin));
  return { settings, file, sources };
}

export function parseSettings(
  raw: unknown,
  file = 'settings',
  origin: (key: string) => string | undefined = () => undefined,
): Settings {
  const result = settingsSchema().safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const where = key ? `${key}.` : '';
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => where + k).join(', ')}`;
    }
    const got = getPath(raw, key);
    const from = origin(key);
    const problem = `${key || '(top level)'} = ${JSON.stringify(got) ?? 'missing'}: expected ${describeIssue(issue)}`;
    return from === undefined ? problem : `${problem} (${from})`;
  });
  throw new SettingsError(file, problems);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int'
        ? 'a whole number'
        : `a ${issue.expected}`;
    case 'too_small':
      return `at least ${String(issue.minimum)}`;
    case 'too_big':
      return `at most ${String(issue.maximum)}`;
    case 'invalid_key':
      // A record's key (a variable name in agents.<role>.env): say what a key must be.
      return issue.issues.map((i) => i.message).join('; ') || issue.message;
    default:
      return issue.message;
  }
}

export function defaultSettings(): Settings {
  return settingsSchema().parse({});
}

export function agentSettings(settings: Settings, role: Role): Settings['agents']['mayor'] {
  return settings.agents[role];
}
