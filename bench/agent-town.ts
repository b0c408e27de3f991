// A bench town whose crew are a real agent CLI talking to the scripted model server (a stand-in
// for the model, on 127.0.0.1), the waits every agent bench shares, and the floor beside it: the
// same CLI in a bare tmux session, its first-run dialogs accepted in its own config, watched by
// polling its screen with the runtime's own reader.
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RuntimeProfile } from '../src/agents/runtime/profile.js';
import type { ModelServer, RecordedRequest } from '../src/demo/model-server.js';
import { startModelServer } from '../src/demo/model-server.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { gtRunner, killTmux, nowMs, scratch, stopChild } from './harness.js';

export interface AgentBench {
  root: string;
  /** The folder of the gt benched (dist/): its native gt is in native/. */
  gtDir: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  server: ModelServer;
  store: SqliteStore;
  dir: string;
  gt: (args: string[], env?: NodeJS.ProcessEnv) => string;
  /** `gt args…` without blocking this process (where the model server answers). */
  gtAsync: (args: string[]) => Promise<void>;
  done: () => Promise<void>;
}

/** Polls `fn` every few ms until it gives a value; throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface TownSpec {
  /** Names the scratch folder. */
  label: string;
  /** How many crew: c0…c<n-1> in rig alpha. */
  crew: number;
  /** settings.agents.crew, given the model server and the scratch folder. */
  crewSettings: (server: ModelServer, dir: string) => Record<string, unknown>;
}

/** A town with crew c0…c<n-1> in rig alpha, settings from `spec`, its daemon not started. */
export async function agentBenchTown(gtBin: string, spec: TownSpec): Promise<AgentBench> {
  const { dir, done } = scratch(spec.label);
  const server = await startModelServer();
  const root = join(dir, 'town');
  const socket = `gt-bench-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
  const gt = gtRunner(gtBin, env);
  gt(['install', root]);
  const origin = join(dir, 'origin.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  gt(['rig', 'add', 'alpha', origin]);
  for (let i = 0; i < spec.crew; i++) gt(['crew', 'add', `c${i}`, '--rig', 'alpha']);
  const settings = {
    daemon: { keep_alive: [] },
    agents: { crew: spec.crewSettings(server, dir) },
  };
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(settings));
  const store = SqliteStore.open(join(root, '.gt', 'town.db'));
  return {
    root,
    gtDir: dirname(gtBin),
    socket,
    env,
    server,
    store,
    dir,
    gt,
    gtAsync: (args) =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, [gtBin, ...args], { env }, (err, _out, stderr) =>
          err === null ? resolve() : reject(new Error(`gt ${args[0] ?? ''}: ${stderr}`)),
        );
      }),
    done: async () => {
      await endServer(socket);
      await server.close();
      await store.close();
      done();
    },
  };
}

/** Ends a tmux server and waits for its panes' processes (agent CLIs write as they exit). */
export async function endServer(socket: string): Promise<void> {
  let pids: number[] = [];
  try {
    pids = execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{pane_pid}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // no server: nothing to wait for
  }
  killTmux(socket);
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await until('the agents to exit', () => !pids.some(alive), 10_000, 20).catch(() => undefined);
  // A CLI that outlives its server's end (Gemini CLI ignores the hangup) is ended here, with
  // the process it relaunched itself as: the pane's process group.
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export async function startDaemon(
  gtBin: string,
  b: Pick<AgentBench, 'env' | 'gt'>,
): Promise<ChildProcess> {
  // GT_BENCH_DAEMON_PROFILE=<folder>: the daemon writes a V8 CPU profile there when it stops.
  const dir = process.env.GT_BENCH_DAEMON_PROFILE;
  const profile = dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  // GT_BENCH_PERF=<folder>: JIT symbols for perf (the turns are recorded there, turn-cpu.ts).
  if (process.env.GT_BENCH_PERF !== undefined) profile.push('--perf-basic-prof');
  const child = spawn(process.execPath, [...profile, gtBin, 'daemon', 'run', '--quiet'], {
    env: b.env,
    stdio: 'ignore',
  });
  await until(
    'the daemon',
    () => (JSON.parse(b.gt(['daemon', 'status', '--json'])) as { running: boolean }).running,
    10_000,
    20,
  );
  return child;
}

export { stopChild };

/** The agent's activity as the daemon last recorded it. */
export async function activityOf(b: AgentBench, address: string): Promise<string | null> {
  return (await b.store.getAgent(address))?.activity ?? null;
}

/** Milliseconds from `gt session start` (or restart) to the agent recorded `ready`. */
export async function startToReady(
  b: AgentBench,
  address: string,
  verb: 'start' | 'restart' = 'start',
): Promise<number> {
  const t0 = nowMs();
  const wall0 = Date.now();
  b.gt(['session', verb, address]);
  await untilReady(b, address);
  const took = nowMs() - t0;
  // GT_BENCH_TRACE_STARTS=1: each start's events, in ms from the command, on stderr.
  if (process.env.GT_BENCH_TRACE_STARTS === '1') traceStart(b, address, wall0, took);
  return took;
}

function traceStart(b: AgentBench, address: string, wall0: number, took: number): void {
  const events = JSON.parse(
    b.gt([
      'events',
      '--agent',
      address,
      '-n',
      '30',
      '--json',
      '--since',
      new Date(wall0).toISOString(),
    ]),
  ) as Array<{ time: string; kind: string; outcome?: string | null; reason?: string | null }>;
  const lines = events.map(
    (e) => `  +${Date.parse(e.time) - wall0} ms ${e.kind} ${e.outcome ?? ''} ${e.reason ?? ''}`,
  );
  process.stderr.write(
    `start of ${address}: ready after ${took.toFixed(0)} ms\n${lines.join('\n')}\n`,
  );
}

function screenOf(socket: string, session: string): string {
  try {
    return execFileSync('tmux', ['-u', '-L', socket, 'capture-pane', '-p', '-t', session], {
      encoding: 'utf8',
    });
  } catch (e) {
    return `(no screen: ${(e as Error).message})`;
  }
}

/** Waits for the agent to be recorded ready; on a timeout, says what it shows instead. */
export async function untilReady(
  b: AgentBench,
  address: string,
  timeoutMs = 60_000,
): Promise<void> {
  try {
    await until(
      `${address} ready`,
      async () => (await activityOf(b, address)) === 'ready',
      timeoutMs,
    );
  } catch (err) {
    const screen = screenOf(b.socket, `gt-${address.replaceAll('/', '-')}`);
    const record = await b.store.getAgent(address);
    const events = b.gt(['events', '--agent', address, '-n', '15']);
    throw new Error(
      `${(err as Error).message}; activity ${record?.activity ?? '?'} (${record?.activityDetail ?? ''}, from ${record?.activitySource ?? '?'})\n--- screen\n${screen.trimEnd()}\n--- events\n${events}`,
      { cause: err },
    );
  }
}

/** The first main request whose last user text holds `marker`. */
export function requestWith(
  server: ModelServer,
  marker: string,
  timeoutMs = 60_000,
): Promise<RecordedRequest> {
  return server.waitForRequest((r) => r.main && r.lastUserText.includes(marker), timeoutMs);
}

export interface FloorSpec {
  /** Reads the floor's screen: the runtime's own profile. */
  profile: RuntimeProfile;
  /** The CLI's binary and arguments. */
  argv: readonly string[];
  env: Record<string, string>;
  /** Its work dir (its dialogs accepted for it already). */
  work: string;
}

/** The CLI in a bare tmux session (its own server), dialogs pre-accepted: the floor. */
export class FloorSession {
  readonly socket = `gt-bench-floor-${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
  private readonly conf: string;

  constructor(
    private readonly spec: FloorSpec,
    readonly name = 'floor',
  ) {
    // The server options the runtime asks gastown-ts for (Pi: extended-keys), nothing else.
    this.conf = join(spec.work, '..', `${this.socket}.conf`);
    mkdirSync(spec.work, { recursive: true });
    const options = Object.entries(spec.profile.tmuxServerOptions ?? {});
    writeFileSync(this.conf, options.map(([k, v]) => `set -s ${k} ${v}\n`).join(''));
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-u', '-L', this.socket, '-f', this.conf, ...args], {
      encoding: 'utf8',
    });
  }

  screen(): string[] {
    return this.tmux('capture-pane', '-p', '-t', this.name).split('\n');
  }

  activity(): string {
    return this.spec.profile.read(this.screen()).activity;
  }

  /** Ready with nothing typed: the turn before has finished. */
  idle(): boolean {
    const r = this.spec.profile.read(this.screen());
    return r.activity === 'ready' && r.inputEmpty;
  }

  /** Starts the CLI and waits for its prompt: milliseconds from the tmux call to ready. */
  async start(): Promise<number> {
    const env = Object.entries(this.spec.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const size = ['-x', '200', '-y', '50'];
    const t0 = nowMs();
    const where = ['-c', this.spec.work];
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.name,
      ...size,
      ...where,
      ...env,
      '--',
      ...this.spec.argv,
    );
    await until(`the bare ${this.spec.profile.name} ready`, () => this.activity() === 'ready');
    return nowMs() - t0;
  }

  /** A raw prompt: the text typed, then Enter, as a bare script would. */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
    this.tmux('send-keys', '-t', this.name, 'Enter');
  }

  /** A raw prompt for a CLI that drops keys typed fast: a bracketed paste, a pause, Enter. */
  async paste(text: string): Promise<void> {
    this.tmux('set-buffer', '-b', 'floor', '--', text);
    this.tmux('paste-buffer', '-p', '-d', '-b', 'floor', '-t', this.name);
    await new Promise((r) => setTimeout(r, this.spec.profile.submit.delayMs));
    this.tmux('send-keys', '-t', this.name, ...this.spec.profile.submit.keys);
  }

  stop(): Promise<void> {
    return endServer(this.socket);
  }
}
