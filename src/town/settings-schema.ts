// The settings schema: the one source of the types, the defaults and the `--explain` text of
// settings/config.json. Loading it is settings.ts; printing it is settings-show.ts.
import { hostname } from 'node:os';
import * as z from 'zod/mini';
import { parseDuration } from '../util/duration.js';
import { addressPatternProblem } from './identity.js';
import { runtimeSchemas } from './settings-runtimes.js';
import { notifyChannel } from './settings-notify.js';
import { spendSchemas } from './settings-spend.js';

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

/**
 * A runtime's name (agents.<role>.runtime). Only its shape is checked here: the runtimes are one
 * list in src/agents/runtime/index.ts, which refuses a name it does not know.
 */
const runtimeName = () =>
  z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'a runtime name: lowercase letters, digits and -'));

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

const envName = () =>
  z.string().check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a variable name of letters, digits and _'),
    z.refine((n) => !RESERVED_ENV.includes(n), 'a name gt does not set for every agent itself'),
  );

const agent = (sync: boolean, budget: ReturnType<typeof spendSchemas>['budgetSetting']) =>
  section({
    runtime: doc(
      z._default(z.nullable(runtimeName()), null),
      'the agent CLI by runtime name, such as claude, codex or shell (any program); default: told by the command, else claude',
    ),
    command: doc(
      z._default(z.nullable(z.string().check(z.minLength(1))), null),
      'shell text run as the session’s first process (default: the runtime’s)',
    ),
    env: doc(
      z._default(
        z.record(envName(), z.string().check(z.refine((v) => !v.includes('\0'), 'no NUL'))),
        {},
      ),
      'environment added at creation; values whose name says key, token or secret are masked',
    ),
    startup_prompt: doc(
      z._default(z.nullable(z.string().check(z.minLength(1), z.maxLength(8192))), null),
      'first prompt of a cycled agent once ready (default: continue from the handoff note)',
    ),
    sync: doc(z._default(z.boolean(), sync), 'sync the git workspace before each (re)start'),
    dialogs: doc(
      z._default(z.enum(['ahead', 'screen']), 'ahead'),
      'ahead: the start-up questions gt answers anyway (Claude Code: trust this folder, use this API key) are answered in the CLI’s own config before it starts, saving their time on screen; screen: only ever answered on its screen',
    ),
    resume: doc(
      z._default(z.enum(['auto', 'never']), 'auto'),
      'auto: a session restarted after a crash, a reboot or by a person resumes its conversation (where the runtime can); never: always fresh',
    ),
    on_compact: doc(
      z._default(z.enum(['compact', 'handoff']), 'compact'),
      'what a full context does where the runtime tells before compacting (Claude Code): compact, or hand off to a fresh session with a note',
    ),
    budget: doc(
      budget,
      'what each agent of the role may spend a day ("$5" or "2M tokens"); past it the agent is held (kind budget) until the next day or gt daemon clear-backoff; null: no limit',
    ),
  });

/** Gas Town keeps these running. */
export const DEFAULT_KEEP_ALIVE = ['mayor', 'deacon', '*/witness', '*/refinery'] as const;

const keepAliveEntry = () =>
  z
    .string()
    .check(
      z.refine(
        (p) => addressPatternProblem(p) === undefined,
        'an address or a pattern like */witness',
      ),
    );

function build() {
  const spend = spendSchemas();
  return z.strictObject({
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
        z._default(z.array(keepAliveEntry()), [...DEFAULT_KEEP_ALIVE]),
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
      mayor: agent(false, spend.budgetSetting),
      deacon: agent(false, spend.budgetSetting),
      witness: agent(false, spend.budgetSetting),
      refinery: agent(true, spend.budgetSetting),
      crew: agent(true, spend.budgetSetting),
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
      required: doc(
        z._default(z.boolean(), false),
        'a failed sync stops the session from starting',
      ),
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
    runtimes: runtimeSchemas().runtimesSection,
    notify: section({
      channels: doc(
        z._default(z.array(notifyChannel()), []),
        'where people are told what needs them: [{name, type: "webhook", url, headers, kinds, agents}]',
      ),
      timeout: duration('5s', 'how long one delivery may take'),
      backoff: duration('2s', 'first delay before retrying a failed delivery (doubling)'),
      backoff_max: duration('5m', 'longest delay between tries of one notification'),
      max_attempts: doc(int(8, 1, 100), 'tries before a notification is dead-lettered'),
      rate_limit: doc(
        int(30, 1, 10_000),
        'notifications one channel is sent a minute at most; more wait for the next minute',
      ),
      fold_window: duration(
        '10m',
        'repeats of one kind for one agent on one channel within this window are sent once, then as one count at its end (0s: never folded)',
      ),
    }),
    prices: doc(
      spend.pricesSetting,
      'dollars per million tokens by model name (or its start), over the built-in list: {"my-model": {input, output, cache_read, cache_write}}',
    ),
    dashboard: section({
      port: doc(
        z._default(z.nullable(z.int().check(z.minimum(1), z.maximum(65535))), null),
        'the daemon serves the dashboard on 127.0.0.1 at this port (null: it does not; gt dashboard serves one by itself)',
      ),
    }),
  });
}

let built: ReturnType<typeof build> | undefined;
/**
 * Every setting of a town; parsing {} gives the defaults. Made at first use: building it is a
 * good part of a command's start, and most commands read settings from their parsed cache.
 */
export const settingsSchema = (): ReturnType<typeof build> => (built ??= build());

export type Settings = z.output<ReturnType<typeof build>>;
export type SettingsInput = z.input<ReturnType<typeof build>>;
