// A bench town whose crew are the real Claude Code, talking to the scripted model server (a
// stand-in for the model, on 127.0.0.1); and the floor beside it: the same CLI in a bare tmux
// session, its dialogs pre-accepted in its own config, watched by polling its screen.
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claude as claudeProfile } from '../src/agents/runtime/claude.js';
import { findClaudeBinary } from '../src/demo/claude-bin.js';
import type { ModelServer, RecordedRequest } from '../src/demo/model-server.js';
import { startModelServer } from '../src/demo/model-server.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { gtRunner, killTmux, nowMs, scratch, stopChild } from './harness.js';

export const API_KEY = 'sk-bench-0123456789abcdefghijklmnopqrstuvwxyz';

export interface ClaudeBench {
  root: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  server: ModelServer;
  store: SqliteStore;
  bin: string;
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

function claudeHome(path: string, trusted: string[] = []): string {
  mkdirSync(join(path, '.claude'), { recursive: true });
  const projects = Object.fromEntries(trusted.map((d) => [d, { hasTrustDialogAccepted: true }]));
  const config = {
    hasCompletedOnboarding: true,
    ...(trusted.length > 0
      ? { projects, customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] } }
      : {}),
  };
  writeFileSync(join(path, '.claude.json'), JSON.stringify(config));
  if (trusted.length > 0)
    writeFileSync(
      join(path, '.claude', 'settings.json'),
      JSON.stringify({ skipDangerousModePermissionPrompt: true }),
    );
  return path;
}

/**
 * A town with crew c0…c<n-1> running Claude Code, each in a HOME of its own that has only
 * finished onboarding: its dialogs are left for the daemon to answer, as a new user's are.
 */
export async function claudeBenchTown(gtBin: string, crew: number): Promise<ClaudeBench> {
  const bin = findClaudeBinary();
  if (bin === undefined) throw new Error('bench: Claude Code is not installed (npm ci)');
  const { dir, done } = scratch('agents');
  const server = await startModelServer();
  const root = join(dir, 'town');
  const socket = `gt-bench-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
  const gt = gtRunner(gtBin, env);
  gt(['install', root]);
  const origin = join(dir, 'origin.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  gt(['rig', 'add', 'alpha', origin]);
  for (let i = 0; i < crew; i++) {
    gt(['crew', 'add', `c${i}`, '--rig', 'alpha']);
    claudeHome(join(dir, 'homes', `c${i}`));
  }
  const command = `HOME="${join(dir, 'homes')}/$GT_CREW" exec ${bin} --dangerously-skip-permissions`;
  const settings = {
    daemon: { keep_alive: [] },
    agents: {
      crew: {
        command,
        sync: false,
        env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: API_KEY },
      },
    },
  };
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(settings));
  const store = SqliteStore.open(join(root, '.gt', 'town.db'));
  return {
    root,
    socket,
    env,
    server,
    store,
    bin,
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

/** Ends a tmux server and waits for its panes' processes (Claude Code writes as it exits). */
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
}

export async function startDaemon(gtBin: string, b: ClaudeBench): Promise<ChildProcess> {
  const child = spawn(process.execPath, [gtBin, 'daemon', 'run', '--quiet'], {
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
export async function activityOf(b: ClaudeBench, address: string): Promise<string | null> {
  return (await b.store.getAgent(address))?.activity ?? null;
}

/** Milliseconds from `gt session start` (or restart) to the agent recorded `ready`. */
export async function startToReady(
  b: ClaudeBench,
  address: string,
  verb: 'start' | 'restart' = 'start',
): Promise<number> {
  const t0 = nowMs();
  b.gt(['session', verb, address]);
  await untilReady(b, address);
  return nowMs() - t0;
}

/** Waits for the agent to be recorded ready; on a timeout, says what it shows instead. */
export async function untilReady(
  b: ClaudeBench,
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
    const session = `gt-${address.replaceAll('/', '-')}`;
    let screen: string;
    try {
      screen = execFileSync('tmux', ['-u', '-L', b.socket, 'capture-pane', '-p', '-t', session], {
        encoding: 'utf8',
      });
    } catch (e) {
      screen = `(no screen: ${(e as Error).message})`;
    }
    const record = await b.store.getAgent(address);
    const events = b.gt(['events', '--agent', address, '-n', '15']);
    throw new Error(
      `${(err as Error).message}; activity ${record?.activity ?? '?'} (${record?.activityDetail ?? ''}, from ${record?.activitySource ?? '?'})\n--- screen\n${screen.trimEnd()}\n--- events\n${events}`,
      { cause: err },
    );
  }
}

/** The first main request after `since` (epoch ms) whose last user text holds `marker`. */
export function requestWith(
  server: ModelServer,
  marker: string,
  timeoutMs = 60_000,
): Promise<RecordedRequest> {
  return server.waitForRequest((r) => r.main && r.lastUserText.includes(marker), timeoutMs);
}

/** Claude Code in a bare tmux session (its own server), dialogs pre-accepted: the floor. */
export class FloorSession {
  readonly socket = `gt-bench-floor-${process.pid}`;
  private readonly home: string;
  private readonly work: string;

  constructor(
    private readonly b: ClaudeBench,
    readonly name = 'floor',
  ) {
    this.work = join(b.dir, 'floor-work');
    mkdirSync(this.work, { recursive: true });
    this.home = claudeHome(join(b.dir, 'homes', 'floor'), [this.work]);
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
    });
  }

  screen(): string[] {
    return this.tmux('capture-pane', '-p', '-t', this.name).split('\n');
  }

  activity(): string {
    return claudeProfile.read(this.screen()).activity;
  }

  /** Starts the CLI and waits for its prompt: milliseconds from the tmux call to ready. */
  async start(): Promise<number> {
    const vars = {
      ...claudeProfile.env({ root: process.getuid?.() === 0 }),
      HOME: this.home,
      ANTHROPIC_BASE_URL: this.b.server.url,
      ANTHROPIC_API_KEY: API_KEY,
    };
    const env = Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const t0 = nowMs();
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      '200',
      '-y',
      '50',
      '-c',
      this.work,
      ...env,
      '--',
      this.b.bin,
      '--dangerously-skip-permissions',
    );
    await until('the bare Claude Code ready', () => this.activity() === 'ready');
    return nowMs() - t0;
  }

  /** A raw prompt: the text typed, then Enter, as a bare script would. */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
    this.tmux('send-keys', '-t', this.name, 'Enter');
  }

  stop(): Promise<void> {
    return endServer(this.socket);
  }
}
