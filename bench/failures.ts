// Failures: after a reboot (tmux server and daemon gone), `gt daemon start` → every wanted
// stand-in agent back and ready, beside one bare tmux call starting the same agents; and a
// storm of 20 agents whose credentials are dead, over 10 simulated minutes of heartbeats,
// beside the same agents dying of something no rule reads (the crash policy: backoff, park).
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Daemon } from '../src/daemon/daemon.js';
import { queryHolder } from '../src/daemon/lock.js';
import { silentLogger } from '../src/daemon/logger.js';
import { sessionState } from '../src/sessions/host.js';
import { TmuxHost } from '../src/sessions/tmux.js';
import type { StoredEvent } from '../src/store/store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { loadSettings } from '../src/town/settings.js';
import { pollUntil } from '../src/util/wait.js';
import type { BenchTown, Row } from './harness.js';
import { benchTown, killTmux, median, nowMs, scratch } from './harness.js';

const SECTION = 'failures';
/** The stand-in agent's first line: `demo agent <name>: started (pid N, …)`. */
const STARTED_LINE = /^demo agent .*: started \(pid \d+/;
const REBOOT_RUNS = 3;
const STORM_AGENTS = 20;
const STORM_HEARTBEAT_MS = 5_000;
const STORM_MINUTES = 10;
/** Exactly what Claude Code prints when the API refuses its key. */
const DEAD_KEY_LINE =
  'API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}';
const UNREAD_LINE = 'fatal: something broke';

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 120_000,
  intervalMs = 10,
): Promise<T> {
  const value = await pollUntil(check, { timeoutMs, intervalMs });
  if (value === undefined) throw new Error(`bench: timed out after ${timeoutMs} ms: ${what}`);
  return value;
}

type Town = BenchTown;

function makeTown(gtBin: string, label: string, agents: number, settings: object): Town {
  const socket = `gt-bench-f${label}-${process.pid}-${agents}`;
  return benchTown(gtBin, { label: `failures-${label}`, socket, agents, settings });
}

/** The stand-in runtime (`gt agent demo`), quiet after its first line. */
const standIn = (gtBin: string): string =>
  `exec ${quote(process.execPath)} ${quote(gtBin)} agent demo --interval 3600`;

/** How many of `names` show the stand-in's started line, read in one tmux call. */
async function showingStarted(host: TmuxHost, names: readonly string[]): Promise<number> {
  const screens = await host.screens(names).catch(() => new Map<string, string[]>());
  return names.filter((n) => screens.get(n)?.some((l) => STARTED_LINE.test(l)) === true).length;
}

interface RebootTiming {
  /** Every pane shows its started line. */
  panes: number;
  /** Every agent recorded ready by the daemon (what gt status shows). */
  ready: number;
  /** Agents gt status shows alive and ready at the end. */
  back: number;
}

interface StatusAgent {
  address: string;
  state: string;
  activity: string | null;
}

/**
 * A fresh town whose `agents` stand-ins are wanted running (keep_alive) and running under a
 * daemon this bench started; then the reboot: that daemon and the town's tmux server killed.
 * A fresh town each time: a second reboot of the same town within the crash-loop window would
 * wait out restart backoff (the restore counts as a restart).
 */
async function rebootedTown(gtBin: string, agents: number): Promise<Town> {
  const town = makeTown(gtBin, 'r', agents, {
    daemon: { keep_alive: ['*/crew/*'] },
    agents: { crew: { command: standIn(gtBin), sync: false } },
  });
  const store = SqliteStore.open(join(town.root, '.gt', 'town.db'));
  try {
    const hostName = loadSettings(town.root, { env: town.env }).settings.daemon.host;
    const pid = (JSON.parse(town.gt(['daemon', 'start', '--json'])) as { pid: number }).pid;
    await until('first start of every agent', async () => {
      const ready = (await store.listAgents()).filter(
        (r) => r.identity.startsWith('alpha/crew/') && r.activity === 'ready',
      );
      return ready.length === agents;
    });
    process.kill(pid, 'SIGKILL');
    await until(
      'the old daemon gone',
      async () => (await queryHolder(town.root, hostName)) === undefined,
    );
    killTmux(town.socket);
    return town;
  } catch (err) {
    town.done();
    throw err;
  } finally {
    await store.close();
  }
}

/**
 * After a reboot, times `gt daemon start` until every agent is back: its pane showing the
 * started line, and its record (started after the reboot) saying ready.
 */
async function restoreOnce(gtBin: string, agents: number): Promise<RebootTiming> {
  const town = await rebootedTown(gtBin, agents);
  const store = SqliteStore.open(join(town.root, '.gt', 'town.db'));
  const host = new TmuxHost({ socket: town.socket, timeoutMs: 30_000 });
  const names = Array.from({ length: agents }, (_, i) => `gt-alpha-crew-c${i}`);
  let out = '';
  try {
    const wall = Date.now();
    const t0 = nowMs();
    const starter = spawn(process.execPath, [gtBin, 'daemon', 'start', '--json'], {
      env: town.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    starter.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const started = new Promise<void>((resolve) => starter.on('exit', () => resolve()));
    let panes: number | undefined;
    let ready: number | undefined;
    await until(`${agents} agents back after a reboot`, async () => {
      const at = nowMs() - t0;
      if (panes === undefined && (await showingStarted(host, names)) === agents) panes = at;
      if (ready === undefined) {
        const records = (await store.listAgents()).filter(
          (r) =>
            r.identity.startsWith('alpha/crew/') &&
            (r.startedAt ?? 0) >= wall &&
            r.sessionConfirmed &&
            r.activity === 'ready',
        );
        if (records.length === agents) ready = at;
      }
      return panes !== undefined && ready !== undefined;
    });
    await started;
    const status = JSON.parse(town.gt(['status', '--json'])) as { agents: StatusAgent[] };
    const back = status.agents.filter(
      (a) => a.address.startsWith('alpha/crew/') && a.state === 'alive' && a.activity === 'ready',
    ).length;
    return { panes: panes ?? Number.NaN, ready: ready ?? Number.NaN, back };
  } finally {
    const pid = out === '' ? undefined : (JSON.parse(out) as { pid?: number }).pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await store.close();
    town.done();
  }
}

/** The same agents in bare tmux, one invocation, until every pane shows its started line. */
async function bareOnce(gtBin: string, agents: number): Promise<number> {
  const { dir, done } = scratch('failures-bare');
  const socket = `gt-bench-fbare-${process.pid}-${agents}`;
  const names = Array.from({ length: agents }, (_, i) => `gt-bare-c${i}`);
  const args = names.flatMap((n, i) => [
    ...(i === 0 ? [] : [';']),
    'new-session',
    '-d',
    '-s',
    n,
    '-c',
    dir,
    standIn(gtBin),
  ]);
  const host = new TmuxHost({ socket, timeoutMs: 30_000 });
  try {
    const t0 = nowMs();
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args]);
    await until(
      `${agents} bare panes started`,
      async () => (await showingStarted(host, names)) === agents,
    );
    return nowMs() - t0;
  } finally {
    killTmux(socket);
    done();
  }
}

async function rebootRows(gtBin: string, agents: number): Promise<Row[]> {
  const ours: RebootTiming[] = [];
  const bare: number[] = [];
  for (let i = 0; i < REBOOT_RUNS; i++) {
    ours.push(await restoreOnce(gtBin, agents));
    bare.push(await bareOnce(gtBin, agents));
  }
  const short = ours.filter((t) => t.back !== agents).map((t) => t.back);
  const shown = short.length === 0 ? '' : ` (gt status: only ${short.join(', ')} back)`;
  const floor = median(bare);
  const baselineName = `one bare tmux call starting ${agents}, until every pane shows started`;
  const row = (name: string, ours: number): Row => ({
    section: SECTION,
    name: `reboot, ${agents} wanted agents: gt daemon start → ${name} (median of ${REBOOT_RUNS})${shown}`,
    ours,
    baseline: floor,
    baselineName,
    unit: 'ms',
    target: '',
    pass: short.length === 0 ? null : false,
  });
  return [
    row('every pane shows started', median(ours.map((t) => t.panes))),
    row('every agent ready in gt status', median(ours.map((t) => t.ready))),
  ];
}

interface StormCount {
  started: number;
  restarted: number;
  parked: number;
  held: number;
  passes: number;
}

/**
 * 20 agents that print `line` and exit 1 soon after, kept alive by an in-process daemon whose
 * clock moves one heartbeat per pass, for 10 simulated minutes. Between passes, the agents it
 * started are given the time to die (their dead panes seen), never a fixed sleep.
 */
async function storm(gtBin: string, line: string): Promise<StormCount> {
  const town = makeTown(gtBin, 's', STORM_AGENTS, {
    // The real timer never fires within the run: each pass is one simulated heartbeat.
    daemon: { heartbeat: '1h', keep_alive: ['*/crew/*'] },
    agents: {
      crew: {
        runtime: 'claude',
        command: `printf '%s\\n' ${quote(line)}; sleep 0.2; exit 1`,
        sync: false,
      },
    },
  });
  const store = SqliteStore.open(join(town.root, '.gt', 'town.db'));
  const counts: StormCount = { started: 0, restarted: 0, parked: 0, held: 0, passes: 0 };
  const onEvent = (e: StoredEvent): void => {
    if (e.kind === 'agent.started') counts.started += 1;
    if (e.kind === 'agent.restarted') counts.restarted += 1;
    if (e.kind === 'agent.parked') counts.parked += 1;
  };
  try {
    const { settings } = loadSettings(town.root, { env: town.env });
    const host = new TmuxHost({ socket: town.socket, town: town.root, timeoutMs: 30_000 });
    let clock = Date.now();
    const daemon = new Daemon({
      root: town.root,
      settings,
      store,
      host,
      hostName: settings.daemon.host,
      log: silentLogger,
      now: () => clock,
      onEvent,
    });
    // start() makes the first heartbeat pass (every agent's first start); awaited here.
    await daemon.start();
    await daemon.passNow(false);
    counts.passes = 1;
    const allDead = async (): Promise<boolean> =>
      (await host.list()).every((s) => sessionState(s) !== 'alive');
    const end = clock + STORM_MINUTES * 60_000;
    while (clock + STORM_HEARTBEAT_MS <= end) {
      await until('every started agent dead', allDead, 30_000);
      clock += STORM_HEARTBEAT_MS;
      await daemon.passNow(true);
      counts.passes += 1;
    }
    await until('every started agent dead', allDead, 30_000);
    await daemon.stop();
    counts.held = (await store.listAgents()).filter((r) => r.failureKind === 'auth').length;
    return counts;
  } finally {
    await store.close();
    town.done();
  }
}

async function stormRows(gtBin: string): Promise<Row[]> {
  const dead = await storm(gtBin, DEAD_KEY_LINE);
  const crash = await storm(gtBin, UNREAD_LINE);
  const what = `${STORM_AGENTS} agents exiting 1 at once, ${STORM_MINUTES} simulated min (${dead.passes} heartbeats of ${STORM_HEARTBEAT_MS / 1000} s)`;
  const baselineName = `the same exiting with "${UNREAD_LINE}" (crash policy)`;
  return [
    {
      section: SECTION,
      name: `restart storm, ${what}: first starts, a 401 line ("invalid x-api-key")`,
      ours: dead.started,
      baseline: crash.started,
      baselineName,
      unit: 'starts',
      target: `= ${STORM_AGENTS}`,
      pass: dead.started === STORM_AGENTS,
    },
    {
      section: SECTION,
      name: `restart storm: restarts (${dead.held} of ${STORM_AGENTS} held as auth)`,
      ours: dead.restarted,
      baseline: crash.restarted,
      baselineName,
      unit: 'restarts',
      target: '0',
      pass: dead.restarted === 0,
    },
    {
      section: SECTION,
      name: 'restart storm: agents parked as a crash loop',
      ours: dead.parked,
      baseline: crash.parked,
      baselineName,
      unit: 'parks',
      target: '0',
      pass: dead.parked === 0,
    },
  ];
}

export async function benchFailures(gtBin: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [10, 50]) rows.push(...(await rebootRows(gtBin, n)));
  rows.push(...(await stormRows(gtBin)));
  return rows;
}
