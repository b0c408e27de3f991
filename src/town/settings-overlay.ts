// Environment variables and flags laid over the settings file by dotted path, remembering
// where each value came from so that a bad one is reported against its source.

/** Scalar settings that an environment variable can set (GT_ + path in capitals). */
const ENV_KEYS: ReadonlyArray<{
  path: string;
  env: readonly string[];
  kind: 'string' | 'int' | 'bool' | 'list';
}> = [
  { path: 'tmux.socket', env: ['GT_TMUX_SOCKET'], kind: 'string' },
  { path: 'daemon.heartbeat', env: ['GT_DAEMON_HEARTBEAT'], kind: 'string' },
  { path: 'daemon.keep_alive', env: ['GT_DAEMON_KEEP_ALIVE'], kind: 'list' },
  { path: 'daemon.host', env: ['GT_DAEMON_HOST'], kind: 'string' },
  { path: 'lifecycle.max_age', env: ['GT_LIFECYCLE_MAX_AGE'], kind: 'string' },
  { path: 'lifecycle.max_attempts', env: ['GT_LIFECYCLE_MAX_ATTEMPTS'], kind: 'int' },
  {
    path: 'lifecycle.require_verified_sender',
    env: ['GT_LIFECYCLE_REQUIRE_VERIFIED_SENDER'],
    kind: 'bool',
  },
  { path: 'sync.command', env: ['GT_SYNC_COMMAND'], kind: 'string' },
  { path: 'store.url', env: ['GT_DATABASE_URL', 'GT_STORE_URL'], kind: 'string' },
];

/** Every environment variable that sets a setting. */
export const SETTINGS_ENV_NAMES: readonly string[] = ENV_KEYS.flatMap((k) => k.env);

export type Json = { [key: string]: unknown };

export type SettingSource = 'default' | 'file' | 'env' | 'flag';

export interface Overlay {
  sources: Map<string, SettingSource>;
  /** Where a key's value came from, for messages; undefined for the file or a default. */
  origin: (key: string) => string | undefined;
}

function setPath(obj: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1] ?? ''] = value;
}

export function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function envValue(kind: 'string' | 'int' | 'bool' | 'list', raw: string): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
}

/** Sets the environment's and then the flags' values into `raw` (the file's JSON), in place. */
export function overlaySettings(
  raw: Json,
  env: NodeJS.ProcessEnv,
  overrides: Readonly<Record<string, unknown>>,
): Overlay {
  const sources = new Map<string, SettingSource>();
  for (const { path } of ENV_KEYS) if (getPath(raw, path) !== undefined) sources.set(path, 'file');
  for (const { path, env: names, kind } of ENV_KEYS) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) continue;
    setPath(raw, path, envValue(kind, env[name] ?? ''));
    sources.set(path, 'env');
  }
  for (const [path, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    setPath(raw, path, value);
    sources.set(path, 'flag');
  }
  const origin = (key: string): string | undefined => {
    const source = sources.get(key);
    if (source === 'env')
      return `from ${ENV_KEYS.find((k) => k.path === key)?.env.find((n) => env[n]) ?? 'the environment'}`;
    return source === 'flag' ? 'from a flag' : undefined;
  };
  return { sources, origin };
}
