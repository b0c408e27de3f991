// `gt dashboard [--port N] [--host 127.0.0.1] [--open]`: serves the town's live web dashboard
// from this process until Ctrl-C, and prints its URL with the town's key in it.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { agentContext } from '../agents/context.js';
import type { DashboardOptions } from '../dashboard/server.js';
import type { SessionHost } from '../sessions/host.js';
import { isLoopback } from '../dashboard/http.js';
import { mintLogin } from '../dashboard/login.js';
import { loadSecret } from '../dashboard/secret.js';
import { daemonStatus } from '../status/daemon.js';
import { InputError, errorMessage } from '../errors.js';
import type { GlobalOptions, TownContext } from './context.js';
import { println, thisGt, withTown } from './context.js';
import type { GtCommand } from './program.js';

export const DEFAULT_PORT = 7420;

interface DashboardFlags {
  port: string;
  host: string;
  open?: boolean;
  refresh: string;
  json?: boolean;
}

export function registerDashboard(program: GtCommand): void {
  program
    .command('dashboard')
    .description(
      'serve the town’s live web dashboard (and its JSON API and /metrics) until Ctrl-C; when the daemon serves it (dashboard.port), print its URL',
    )
    .option('--port <n>', 'port to listen on (0: any free one)', String(DEFAULT_PORT))
    .option(
      '--host <address>',
      'address to listen on; anything but loopback needs saying',
      '127.0.0.1',
    )
    .option('--open', 'open the page in the browser')
    .option('--json', 'print {"url", "served_by": "daemon"|"this process"} as one JSON line')
    .option('--refresh <ms>', 'how often tmux and the store are read while a page is open', '1000')
    .action((flags: DashboardFlags, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) =>
        serve(town, flags, cmd.getOptionValueSource('port') === 'cli'),
      ),
    );
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535)
    throw new InputError(
      'GT_BAD_PORT',
      `--port ${JSON.stringify(text)} is not a port (0 to 65535)`,
    );
  return port;
}

function parseRefresh(text: string): number {
  const ms = Number(text);
  if (!/^\d{1,6}$/.test(text) || ms < 100)
    throw new InputError('GT_BAD_FLAG', `--refresh ${JSON.stringify(text)}: at least 100 ms`);
  return ms;
}

/** What a dashboard of the town is made of, for `gt dashboard` and the daemon alike. */
export async function dashboardParts(
  town: TownContext,
  onError: (what: string, err: unknown) => void,
  host?: SessionHost,
): Promise<Omit<DashboardOptions, 'secret'>> {
  const { root, settings } = town;
  const ctx = agentContext({ root, settings, store: await town.store(), gt: thisGt(), host });
  return { ...ctx, daemonSocket: town.paths.daemonSocket, onError };
}

/** The URL of the dashboard the town's daemon serves (dashboard.port), if it runs. */
async function daemonsDashboard(town: TownContext): Promise<string | undefined> {
  const port = town.settings.dashboard.port;
  if (port === null) return undefined;
  if (!(await daemonStatus(town.root, town.settings.daemon.host)).running) return undefined;
  return `http://127.0.0.1:${port}/?token=${loadSecret(town.root)}`;
}

/** Where the dashboard is: a line for people, or one JSON line for scripts. */
function say(flags: DashboardFlags, url: string, by: string, text: string): void {
  println(flags.json ? JSON.stringify({ url, served_by: by }) : text);
}

async function serve(town: TownContext, flags: DashboardFlags, portGiven: boolean): Promise<void> {
  const served = portGiven ? undefined : await daemonsDashboard(town);
  if (served !== undefined) {
    say(flags, served, 'daemon', `dashboard of ${town.root} (served by its daemon) at ${served}`);
    if (flags.open) openBrowser(town, served);
    return;
  }
  const port = parsePort(flags.port);
  // Loaded here: the server and its metrics are most of gt, and only this command needs them.
  const { checkHost, openDashboard } = await import('../dashboard/server.js');
  const host = checkHost(flags.host);
  const { server, url } = await openDashboard(
    {
      ...(await dashboardParts(town, (what, err) =>
        process.stderr.write(`gt dashboard: ${what}: ${errorMessage(err)}\n`),
      )),
      refreshMs: parseRefresh(flags.refresh),
    },
    port,
    host,
  );
  say(flags, url, 'this process', `dashboard of ${town.root} at ${url}`);
  if (!isLoopback(host))
    println(`listening beyond this machine (${host}): every request needs the key in that URL`);
  if (flags.open) openBrowser(town, url);
  await untilSignalled();
  await server.close();
}

/**
 * xdg-open with the page's URL as its one argument (no shell sees it). Every user can read a
 * command line, so it carries a one-time login code, not the key.
 */
function openBrowser(town: TownContext, keyed: string): void {
  const url = new URL(keyed);
  url.search = `?login=${mintLogin(town.root)}`;
  const child = spawn('xdg-open', [url.href], { stdio: 'ignore', detached: true });
  child.on('error', () => println('could not open a browser: open the URL above'));
  child.unref();
}

function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
