// A real town for daemon tests: installed by the real `gt`, one rig from a real git
// origin, crew clones, a private tmux socket, and a tiny shell agent that logs each start.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult } from './cli.js';
import { GT_BIN, gt, gtOk } from './cli.js';
import { makeOrigin } from './git.js';
import { onCleanup, tempDir, tmuxSocket, waitFor } from './temp.js';
import { alive, daemonsOf } from './fake-systemd.js';

/** Logs "<GT_ROLE> <pid>" to starts.log in the town root, then idles as the pane's process. */
export const TINY_AGENT = `echo "$GT_ROLE $$" >> "$GT_TOWN_ROOT/starts.log"; exec sleep 600`;

export interface TestTown {
  root: string;
  socket: string;
  origin: string;
  env: Record<string, string>;
  gt(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  gtOk(args: readonly string[], opts?: RunOptions): Promise<string>;
}

export interface TownOptions {
  crew?: string[];
  settings?: Record<string, unknown>;
  /** The gt script that makes the town and that town.gt runs (default: the clone's build). */
  bin?: string;
}

export async function makeTown(opts: TownOptions = {}): Promise<TestTown> {
  const base = tempDir('town');
  const root = join(base, 'town');
  const socket = tmuxSocket();
  const env = { GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
  const bin = opts.bin;
  await gtOk(['install', root], { bin });
  // A daemon a command started on its own (gt nudge, gt handoff) goes with the test's town.
  onCleanup(() => endDaemons(root));
  const origin = makeOrigin(base);
  await gtOk(['rig', 'add', 'alpha', origin], { env, bin });
  for (const name of opts.crew ?? ['max'])
    await gtOk(['crew', 'add', name, '--rig', 'alpha'], { env, bin });
  const settings: Record<string, unknown> = {
    // No agent is wanted running by default here (Gas Town's default keeps the mayor, deacon,
    // witnesses and refineries): each test says which it keeps.
    daemon: { heartbeat: '30s', keep_alive: [] },
    lifecycle: { retry_backoff: '50ms' },
    agents: {
      crew: { command: TINY_AGENT, sync: false },
      witness: { command: TINY_AGENT },
      refinery: { command: TINY_AGENT, sync: false },
      mayor: { command: TINY_AGENT },
    },
    ...opts.settings,
  };
  // A test's own daemon settings keep that default unless they name keep_alive.
  settings.daemon = { keep_alive: [], ...(settings.daemon as object) };
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(settings));
  const withEnv = (o: RunOptions = {}): RunOptions => ({ bin, ...o, env: { ...env, ...o.env } });
  return {
    root,
    socket,
    origin,
    env,
    gt: (args, o) => gt(args, withEnv(o)),
    gtOk: (args, o) => gtOk(args, withEnv(o)),
  };
}

/** Lines of starts.log: one per agent process start, "<address> <pid>". */
export function starts(town: TestTown, address?: string): string[] {
  const file = join(town.root, 'starts.log');
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  return address === undefined ? lines : lines.filter((l) => l.startsWith(`${address} `));
}

/** The secret the daemon (or gt session start) gave a session, read from tmux as the agent would have it. */
export function agentToken(town: TestTown, session: string): string {
  const out = execFileSync(
    'tmux',
    ['-L', town.socket, 'show-environment', '-t', session, 'GT_AGENT_TOKEN'],
    { encoding: 'utf8' },
  );
  return out.trim().replace(/^GT_AGENT_TOKEN=/, '');
}

/** The agent's env as its own process would have it: for running gt "from inside" its session. */
export function agentEnv(town: TestTown, address: string, session: string): Record<string, string> {
  return { GT_ROLE: address, GT_AGENT_TOKEN: agentToken(town, session) };
}

export interface DaemonProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `gt daemon run` as a real process and waits until it holds the lock. */
export async function runDaemon(
  town: TestTown,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [GT_BIN, 'daemon', 'run', ...args], {
    env: { ...process.env, ...town.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitFor('the daemon to take its lock', async () => {
    if (child.exitCode !== null) throw new Error(`daemon exited early: ${output}`);
    const status = JSON.parse((await town.gtOk(['daemon', 'status', '--json'])) || '{}') as {
      running: boolean;
      pid: number;
    };
    return status.running && status.pid === child.pid;
  });
  return { child, output: () => output, exited };
}

export interface EventJson {
  kind: string;
  identity: string | null;
  outcome: string | null;
  reason: string | null;
  message_id: string | null;
  action: string | null;
}

export async function events(town: TestTown): Promise<EventJson[]> {
  return JSON.parse(await town.gtOk(['events', '--json', '--limit', '100000'])) as EventJson[];
}

/** Ends every daemon still serving the town at `root` (SIGTERM, then SIGKILL). */
export async function endDaemons(root: string): Promise<void> {
  const pids = daemonsOf(root);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  try {
    await waitFor('the town’s daemons to stop', () => pids.every((p) => !alive(p)), 10_000);
  } catch {
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
  }
}
