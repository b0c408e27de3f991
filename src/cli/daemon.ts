// `gt daemon run|start|stop|status|logs|clear-backoff`.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { Daemon } from '../daemon/daemon.js';
import { crashPointFromEnv } from '../lifecycle/crash.js';
import type { Logger } from '../daemon/logger.js';
import { fileLogger, rotateLog, humanLine } from '../daemon/logger.js';
import { queryHolder } from '../daemon/lock.js';
import { errorMessage, GtError, InputError } from '../errors.js';
import { daemonStatus, describeDaemon } from '../status/daemon.js';
import { townHost } from '../agents/host.js';
import type { SessionHost } from '../sessions/host.js';
import { ListedHost } from '../sessions/listed-host.js';
import { formatAddress, parseIdentity } from '../town/identity.js';
import { oneLine } from '../util/text.js';
import { pollUntil, sleep } from '../util/wait.js';
import type { GlobalOptions, TownContext } from './context.js';
import { openTown, printJson, println, thisGt, withTown } from './context.js';
import { untilStopped } from './process-life.js';
import { ensureDaemon } from './daemon-process.js';
import { stdoutStream } from './output.js';
import { registerSupervisor } from './supervisor.js';
import { registerDaemonRestart } from './daemon-restart.js';
import { clearBackoff } from '../agents/failures/clear.js';
import { statusAnswerer } from '../status/text.js';

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function registerDaemon(program: GtCommand): void {
  const daemon = program
    .command('daemon')
    .description('the town daemon: lifecycle requests and keep-alive');
  daemon
    .command('run')
    .description('run the daemon in the foreground (Ctrl-C stops it; agents keep running)')
    .option('--once', 'do one full pass (requests, keep-alive, housekeeping) and exit')
    .option('--quiet', 'log only to daemon/daemon.log')
    .option(
      '--supervised',
      'run by a service manager (gt daemon enable-supervisor writes it): take the town over from a daemon started without one',
    )
    .option('--take-over', 'take the town over from the daemon running now (gt daemon restart)')
    .action((opts: RunFlags, cmd: Command) => runDaemon(globals(cmd), opts));
  daemon
    .command('start')
    .description('start the daemon in the background and wait until it is ready')
    .option('--json', 'print {"pid", "already_running"} as JSON')
    .action((opts: { json?: boolean }, cmd: Command) => startDaemon(globals(cmd), opts));
  daemon
    .command('stop')
    .description('stop the daemon (agents keep running)')
    .option('--timeout <seconds>', 'how long to wait for it to finish the request in hand', '30')
    .action((opts: { timeout: string }, cmd: Command) =>
      stopDaemon(globals(cmd), Number(opts.timeout)),
    );
  daemon
    .command('status')
    .description('is the daemon running, since when, and its last heartbeat')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const town = openTown(globals(cmd));
      const status = await daemonStatus(town.root, town.settings.daemon.host);
      if (opts.json) printJson(status);
      else println(describeDaemon(status));
    });
  daemon
    .command('logs')
    .description('show the daemon log')
    .option('-n, --lines <n>', 'how many of the last lines', '50')
    .option('-f, --follow', 'keep printing new lines')
    .option('--json', 'print the raw JSON lines')
    .action((opts: { lines: string; follow?: boolean; json?: boolean }, cmd: Command) =>
      showLogs(openTown(globals(cmd)), opts),
    );
  registerSupervisor(daemon);
  registerDaemonRestart(daemon);
  daemon
    .command('rotate-logs')
    .description(
      'start a new daemon.log now: daemon.log → daemon.log.1 → … (daemon.log_keep kept); the daemon also rotates past daemon.log_max_size',
    )
    .option('--json', 'print {"rotated", "file"} as JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const town = openTown(globals(cmd));
      const file = town.paths.daemonLog;
      const rotated = rotateLog(file, town.settings.daemon.log_keep);
      if (opts.json) printJson({ rotated, file });
      else println(rotated ? `rotated ${file} to ${file}.1` : `no log to rotate at ${file}`);
    });
  daemon
    .command('clear-backoff')
    .description('forget an agent’s restart history and un-park it')
    .argument('<identity>', 'the agent')
    .action((identity: string, _opts: unknown, cmd: Command) =>
      withTown(globals(cmd), async (town) => {
        const address = formatAddress(parseIdentity(identity));
        const store = await town.store();
        const { was, retried } = await clearBackoff({ root: town.root, store }, address);
        println(
          `cleared restart history of ${address}${retried ? ` (was ${was ?? ''}: asked it to try again)` : ''}`,
        );
      }),
    );
}

interface RunFlags {
  once?: boolean;
  quiet?: boolean;
  supervised?: boolean;
  takeOver?: boolean;
}

async function runDaemon(global: GlobalOptions, opts: RunFlags): Promise<void> {
  const town = openTown(global);
  const store = await town.store();
  const log = fileLogger({
    file: town.paths.daemonLog,
    echo: opts.quiet ? undefined : stdoutStream(),
    maxBytes: town.settings.daemon.log_max_size,
    keep: town.settings.daemon.log_keep,
  });
  // The daemon's listings are also what its dashboard shows (no tmux call per page); its looks
  // and key presses go over one control-mode client (GT_TMUX_CONTROL=off: a process each).
  const control = process.env.GT_TMUX_CONTROL !== 'off';
  const host = new ListedHost(townHost(town.root, town.settings, { control }));
  const daemon = new Daemon({
    root: town.root,
    settings: town.settings,
    store,
    host,
    hostName: town.settings.daemon.host,
    log,
    crashPoint: crashPointFromEnv(process.env),
    gt: thisGt(),
    supervised: opts.supervised === true,
    takeOver: opts.takeOver === true,
    statusAnswer: statusAnswerer(town.root, store, host),
    onEvent: (e) =>
      log.log('info', e.kind, {
        identity: e.identity,
        outcome: e.outcome,
        reason: e.reason,
        ms: e.durationMs,
      }),
  });
  try {
    await daemon.start();
  } catch (err) {
    host.close();
    await town.close();
    throw err;
  }
  if (opts.once) {
    await daemon.passNow(true);
    await daemon.stop();
    host.close();
    await town.close();
    return;
  }
  const dashboard = await serveDashboard(town, log, host.view());
  await serveUntilStopped(daemon, log);
  await dashboard?.close();
  host.close();
  await town.close();
}

/**
 * The dashboard from the daemon's process, when dashboard.port says so (loaded only then). One
 * that cannot listen is logged; the daemon serves on without it.
 */
async function serveDashboard(
  town: TownContext,
  log: Logger,
  host: SessionHost,
): Promise<{ close: () => Promise<void> } | undefined> {
  const port = town.settings.dashboard.port;
  if (port === null) return undefined;
  const { openDashboard } = await import('../dashboard/server.js');
  const { dashboardParts } = await import('./dashboard.js');
  try {
    const parts = await dashboardParts(
      town,
      (what, err) => log.log('warn', `dashboard: ${what}`, { error: errorMessage(err) }),
      host,
    );
    const { server, bound } = await openDashboard(parts, port, '127.0.0.1');
    log.log('info', 'dashboard serving', { url: bound.url });
    return server;
  } catch (err) {
    log.log('error', 'dashboard not served', { error: errorMessage(err) });
    return undefined;
  }
}

/**
 * Serves until SIGTERM or SIGINT (which stop the daemon) or the daemon stops by itself;
 * SIGUSR1 meanwhile wakes it. Only the listeners added here are removed again.
 */
async function serveUntilStopped(daemon: Daemon, log: Logger): Promise<void> {
  const onSignal = (signal: NodeJS.Signals): void => {
    log.log('info', `received ${signal}: finishing the request in hand`);
    void daemon.stop();
  };
  await untilStopped(daemon.stopped, onSignal, () => daemon.wake('SIGUSR1'));
}

async function startDaemon(global: GlobalOptions, opts: { json?: boolean }): Promise<void> {
  const started = await ensureDaemon(openTown(global));
  if (opts.json) printJson(started);
  else if (started.already_running) println(`daemon already running (pid ${started.pid})`);
  else println(`daemon started (pid ${started.pid})`);
}

async function stopDaemon(global: GlobalOptions, timeoutSeconds: number): Promise<void> {
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new InputError('GT_BAD_TIMEOUT', '--timeout must be a positive number of seconds');
  const town = openTown(global);
  const hostName = town.settings.daemon.host;
  const holder = await queryHolder(town.root, hostName);
  if (holder === undefined) {
    println('no daemon is running');
    return;
  }
  // The pid comes from the lock holder itself, never from a pid file that may be stale.
  process.kill(holder.pid, 'SIGTERM');
  const gone = await pollUntil(async () => (await queryHolder(town.root, hostName)) === undefined, {
    timeoutMs: timeoutSeconds * 1000,
    intervalMs: 25,
    fastStart: true,
  });
  if (gone === undefined)
    throw new GtError(
      'GT_DAEMON_STOP_TIMEOUT',
      `daemon (pid ${holder.pid}) is still running after ${timeoutSeconds} s`,
    );
  println(`daemon stopped (pid ${holder.pid}); agents keep running`);
}

async function showLogs(
  town: TownContext,
  opts: { lines: string; follow?: boolean; json?: boolean },
): Promise<void> {
  const n = Number(opts.lines);
  if (!Number.isInteger(n) || n < 0)
    throw new InputError(
      'GT_BAD_LIMIT',
      `--lines must be a whole number, got ${JSON.stringify(opts.lines)}`,
    );
  const file = town.paths.daemonLog;
  if (!existsSync(file)) {
    println('no daemon log yet');
    if (!opts.follow) return;
  }
  const show = (line: string): void => {
    if (opts.json) return println(line);
    if (!line.startsWith('{')) return println(oneLine(line));
    try {
      println(humanLine(JSON.parse(line) as Parameters<typeof humanLine>[0]));
    } catch {
      println(oneLine(line));
    }
  };
  let offset = 0;
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    offset = Buffer.byteLength(text);
    for (const line of text.trimEnd().split('\n').slice(-n)) if (line) show(line);
  }
  if (!opts.follow) return;
  for (;;) {
    await sleep(200);
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size < offset) offset = 0;
    if (size === offset) continue;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    for (const line of buf.toString('utf8').split('\n')) if (line) show(line);
  }
}
