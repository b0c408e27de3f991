// Town settings: one zod schema gives the types, the defaults and the documentation.
// Loading is read → parse → overlay environment and flags → check, reporting every problem at once.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { SettingsError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import type { Role } from './identity.js';
import { addressPatternProblem, ROLES } from './identity.js';

/** Attaches the documentation shown by `gt config show --explain`. */
function doc<T extends z.ZodMiniType>(schema: T, text: string): T {
  return schema.check(z.describe(text));
}

function duration(fallback: string, text?: string) {
  const schema = z._default(
    z
      .string()
      .check(
        z.refine((v) => parseDuration(v) !== undefined, 'a duration like 500ms, 30s, 15m or 1h'),
      ),
    fallback,
  );
  return text === undefined ? schema : doc(schema, text);
}

function section<T extends z.core.$ZodLooseShape>(shape: T) {
  // Every key of a section has a default, so an absent section parses from {}.
  return z.prefault(z.strictObject(shape), {} as z.input<z.ZodMiniObject<T, z.core.$strict>>);
}

const int = (fallback: number, min: number, max: number) =>
  z._default(z.int().check(z.minimum(min), z.maximum(max)), fallback);

/** The agent CLIs gastown-ts knows how to drive (src/agents/runtime). */
export const RUNTIME_NAMES = ['claude', 'codex', 'gemini', 'shell'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** Variables gt sets for every agent itself; agents.<role>.env may not replace them. */
export const RESERVED_ENV = [
  'GT_ROLE',
  'BD_ACTOR',
  'GT_TOWN_ROOT',
  'GT_AGENT_TOKEN',
  'GT_SESSION',
  'GT_RIG',
  'GT_CREW',
];

const envName = z.string().check(
  z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a variable name of letters, digits and _'),
  z.refine((n) => !RESERVED_ENV.includes(n), 'a name gt does not set for every agent itself'),
);

const agent = (sync: boolean) =>
  section({
    runtime: doc(
      z._default(z.nullable(z.enum(RUNTIME_NAMES)), null),
      'the agent CLI: claude, codex, gemini or shell (any program); default: told by the command, else claude',
    ),
    command: doc(
      z._default(z.nullable(z.string().check(z.minLength(1))), null),
      'shell text run as the session’s first process (default: the runtime’s)',
    ),
    env: doc(
      z._default(
        z.record(envName, z.string().check(z.refine((v) => !v.includes('\0'), 'no NUL'))),
        {},
      ),
      'environment added at creation; values whose name says key, token or secret are masked',
    ),
    startup_prompt: doc(
      z._default(z.nullable(z.string().check(z.minLength(1), z.maxLength(8192))), null),
      'first prompt of a cycled agent once ready (default: continue from the handoff note)',
    ),
    sync: doc(z._default(z.boolean(), sync), 'sync the git workspace before each (re)start'),
  });

/** Gas Town keeps these running. */
export const DEFAULT_KEEP_ALIVE = ['mayor', 'deacon', '*/witness', '*/refinery'] as const;

const keepAliveEntry = z
  .string()
  .check(
    z.refine(
      (p) => addressPatternProblem(p) === undefined,
      'an address or a pattern like */witness',
    ),
  );

const schema = z.strictObject({
  tmux: section({
    socket: doc(
      z._default(
        z
          .string()
          .check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a socket name of letters, digits, _ . -')),
        'auto',
      ),
      'tmux socket (tmux -L): auto = one server per town, named after it; default = your own tmux server; env GT_TMUX_SOCKET',
    ),
  }),
  daemon: section({
    heartbeat: duration('30s', 'fallback wake-up interval; env GT_DAEMON_HEARTBEAT'),
    keep_alive: doc(
      z._default(z.array(keepAliveEntry), [...DEFAULT_KEEP_ALIVE]),
      'agents wanted running until the user stops one (addresses or patterns: */witness, alpha/crew/*); any agent the user starts is kept running too',
    ),
    host: doc(
      z._default(z.string().check(z.minLength(1), z.maxLength(253)), () => hostname()),
      'host this daemon acts for (default: the machine’s hostname); env GT_DAEMON_HOST',
    ),
    log_max_size: doc(
      int(10 * 1024 * 1024, 4096, 1024 * 1024 * 1024),
      'daemon.log is rotated past this many bytes (daemon.log.1, .2, …)',
    ),
    log_keep: doc(int(3, 1, 50), 'rotated daemon logs kept'),
    restart: section({
      backoff: duration('30s', 'first delay before restarting a dead agent'),
      backoff_max: duration('10m', 'longest delay between restarts'),
      crash_loop_restarts: doc(
        int(5, 1, 1000),
        'restarts within crash_loop_window that park an agent',
      ),
      crash_loop_window: duration('15m', 'window in which restarts are counted'),
      stable_after: duration('30m', 'running this long clears the restart history'),
    }),
  }),
  lifecycle: section({
    max_age: duration('1h', 'older lifecycle requests are closed unexecuted'),
    max_attempts: doc(int(3, 1, 100), 'attempts before a request becomes a dead letter'),
    lease: duration('2m', 'how long a claim holds before another daemon may take it'),
    retry_backoff: duration('5s', 'first delay before retrying a failed action'),
    require_verified_sender: doc(
      z._default(z.boolean(), true),
      'lifecycle requests must come from the agent’s own session (GT_AGENT_TOKEN)',
    ),
  }),
  agents: section({
    mayor: agent(false),
    deacon: agent(false),
    witness: agent(false),
    refinery: agent(true),
    crew: agent(true),
    stall_after: duration(
      '15m',
      'a busy agent whose screen and hooks show nothing new this long is asked for its status, then marked stalled',
    ),
  }),
  sync: section({
    command: doc(
      z._default(z.nullable(z.string().check(z.minLength(1))), null),
      'run after git sync, e.g. "bd sync"',
    ),
    required: doc(z._default(z.boolean(), false), 'a failed sync stops the session from starting'),
    timeout: duration('60s', 'time limit of each git call and of sync.command'),
  }),
  store: section({
    url: doc(
      z._default(z.nullable(z.string().check(z.minLength(1))), null),
      'postgres:// URL; env GT_DATABASE_URL',
    ),
    busy_timeout: duration('5s', 'how long to wait for a store locked by another process'),
  }),
  mail: section({
    retention: duration('30d', 'read and settled mail older than this is purged'),
  }),
  failures: section({
    backoff: duration('30s', 'first pause after a network or overload failure (doubling)'),
    backoff_max: duration('10m', 'longest pause after a network or overload failure'),
    rate_limit_max: duration(
      '1h',
      'longest pause after a rate limit that shows no reset time (doubling from failures.backoff)',
    ),
    context_cycles: doc(
      int(3, 0, 100),
      'an agent whose context filled up is cycled with a handoff note at most this often an hour, then held (0: always held)',
    ),
  }),
  events: section({
    max_age: duration('14d', 'events older than this are purged by the daemon'),
  }),
  dashboard: section({
    port: doc(
      z._default(z.nullable(z.int().check(z.minimum(1), z.maximum(65535))), null),
      'the daemon serves the dashboard on 127.0.0.1 at this port (null: it does not; gt dashboard serves one by itself)',
    ),
  }),
});

export type Settings = z.output<typeof schema>;
export type SettingsInput = z.input<typeof schema>;

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

export function settingsFile(townRoot: string): string {
  return join(townRoot, 'settings', 'config.json');
}

type Json = { [key: string]: unknown };

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

function readSettingsFile(file: string): Json {
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

export type SettingSource = 'default' | 'file' | 'env' | 'flag';

export interface LoadedSettings {
  settings: Settings;
  file: string;
  sources: ReadonlyMap<string, SettingSource>;
}

export function loadSettings(townRoot: string, opts: LoadOptions = {}): LoadedSettings {
  const file = settingsFile(townRoot);
  const raw = readSettingsFile(file);
  const sources = new Map<string, SettingSource>();
  for (const { path } of ENV_KEYS) if (getPath(raw, path) !== undefined) sources.set(path, 'file');
  const env = opts.env ?? process.env;
  for (const { path, env: names, kind } of ENV_KEYS) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) continue;
    setPath(raw, path, envValue(kind, env[name] ?? ''));
    sources.set(path, 'env');
  }
  for (const [path, value] of Object.entries(opts.overrides ?? {})) {
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
  return { settings: parseSettings(raw, file, origin), file, sources };
}

export function parseSettings(
  raw: unknown,
  file = 'settings',
  origin: (key: string) => string | undefined = () => undefined,
): Settings {
  const result = schema.safeParse(raw);
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
  return schema.parse({});
}

export function agentSettings(settings: Settings, role: Role): Settings['agents']['mayor'] {
  return settings.agents[role];
}

/** A setting's value as `gt config show` may print it: secrets in agent environments masked. */
export function shownValue(key: string, value: unknown): unknown {
  const name = key.split('.').pop() ?? '';
  if (/^agents\.[a-z]+\.env\./.test(key) && /key|token|secret|password/i.test(name))
    return typeof value === 'string' && value.length > 0 ? '********' : value;
  return value;
}

/** The settings with every secret of the agents' environments masked, for printing. */
export function maskedSettings(settings: Settings): Settings {
  const copy = structuredClone(settings);
  for (const role of ROLES) {
    const env = copy.agents[role].env;
    for (const name of Object.keys(env))
      env[name] = shownValue(`agents.${role}.env.${name}`, env[name]) as string;
  }
  return copy;
}

/** Every leaf key with its value, for `gt config show`. */
export function flattenSettings(settings: Settings): Array<{ key: string; value: unknown }> {
  const out: Array<{ key: string; value: unknown }> = [];
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else {
      out.push({ key: prefix, value: node });
    }
  };
  walk(settings, '');
  return out;
}

export function describeSettingKey(key: string): string | undefined {
  let node: unknown = schema;
  for (const part of key.split('.')) {
    node = unwrapObject(node)?.[part];
    if (node === undefined) return undefined;
  }
  return z.globalRegistry.get(node as z.ZodMiniType)?.description;
}

/** The shape of an object schema, looking through prefault/default wrappers. */
function unwrapObject(node: unknown): Record<string, unknown> | undefined {
  let current = node as
    { _zod?: { def?: { shape?: Record<string, unknown>; innerType?: unknown } } } | undefined;
  for (let i = 0; i < 5 && current !== undefined; i++) {
    const def = current._zod?.def;
    if (def?.shape !== undefined) return def.shape;
    current = def?.innerType as typeof current;
  }
  return undefined;
}
