// Settings as this build parsed them, kept beside the file (settings/.config.parsed.json, private
// like the file itself). Building and running the schema is a good part of a command's start;
// the same text read again by the same build on the same host parses to the same settings, so
// that is read back instead. The text compared is the file with the environment and flags laid
// over it, whole: any change to any of them parses afresh. A build run from source keeps none.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/fs.js';
import { gtBuild } from '../version.js';
import type { Settings } from './settings-schema.js';

export const PARSED_SETTINGS_FILE = '.config.parsed.json';

interface Parsed {
  build: string;
  host: string;
  raw: string;
  settings: Settings;
}

/** The settings `raw` parses to: from the cache when this build parsed the same text here. */
export function parsedSettings(townRoot: string, raw: unknown, parse: () => Settings): Settings {
  const build = gtBuild();
  if (build === 'source') return parse();
  const file = join(townRoot, 'settings', PARSED_SETTINGS_FILE);
  const key = { build, host: hostname(), raw: JSON.stringify(raw) };
  const cached = readParsed(file);
  if (cached?.build === key.build && cached.host === key.host && cached.raw === key.raw)
    return cached.settings;
  const settings = parse(); // settings that do not parse are never kept
  try {
    writeJsonAtomic(file, { ...key, settings } satisfies Parsed, 0o600);
  } catch {
    // a town we may read but not write: parsed again next time
  }
  return settings;
}

function readParsed(file: string): Parsed | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<Parsed>;
    return typeof value === 'object' && value !== null && typeof value.settings === 'object'
      ? (value as Parsed)
      : undefined;
  } catch {
    return undefined;
  }
}
