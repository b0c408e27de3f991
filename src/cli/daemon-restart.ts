// `gt daemon restart`: the town's daemon replaced by one of this gt, without a gap and never two
// at once. A daemon of the town's service is restarted by the service manager; any other is
// handed over: the new one started first takes the lock the moment the old one, asked to stop,
// has finished the request in hand. Agents keep running throughout: the new daemon finds them.
import type { Command } from 'commander';
import type { HolderInfo } from '../daemon/lock.js';
import { queryHolder } from '../daemon/lock.js';
import { GtError } from '../errors.js';
import { GT_VERSION, gtBuild } from '../version.js';
import { pollUntil } from '../util/wait.js';
import type { GlobalOptions, TownContext } from './context.js';
import { printJson, println, withTown } from './context.js';
import { ensureDaemon, handOver } from './daemon-process.js';
import type { GtCommand } from './program.js';
import { installedUnit, systemctl } from './supervisor-unit.js';

interface Side {
  pid: number;
  version: string | null;
  build: string | null;
}

const side = (h: HolderInfo): Side => ({
  pid: h.pid,
  version: h.version ?? null,
  build: h.build ?? null,
});

/** The service manager restarts its daemon; resolves the new one once it holds the lock. */
async function restartService(town: TownContext, from: HolderInfo): Promise<HolderInfo> {
  const unit = installedUnit(town.paths, town.env);
  if (unit === undefined)
    throw new GtError(
      'GT_DAEMON_SUPERVISED',
      `pid ${from.pid} is supervised, but no unit is on record`,
      {
        hint: 'gt daemon supervisor-status; or restart it with your service manager',
      },
    );
  const done = await systemctl(['restart', unit.unit], town.env);
  if (done !== true)
    throw new GtError(
      'GT_DAEMON_RESTART',
      `systemctl --user restart ${unit.unit}: ${done.message}`,
    );
  let holder: HolderInfo | undefined;
  await pollUntil(
    async () => {
      holder = await queryHolder(town.root, town.settings.daemon.host);
      return holder !== undefined && holder.pid !== from.pid;
    },
    { timeoutMs: 60_000, intervalMs: 50, fastStart: true },
  );
  if (holder === undefined || holder.pid === from.pid)
    throw new GtError(
      'GT_DAEMON_RESTART',
      `the service did not bring a new daemon up after ${unit.unit} restarted`,
    );
  return holder;
}

async function restart(town: TownContext, json: boolean): Promise<void> {
  const from = await queryHolder(town.root, town.settings.daemon.host);
  if (from === undefined) {
    const started = await ensureDaemon(town);
    if (json)
      printJson({ from: null, to: { pid: started.pid, version: GT_VERSION, build: gtBuild() } });
    else println(`no daemon was running; started pid ${started.pid}`);
    return;
  }
  const to =
    from.supervised === true ? await restartService(town, from) : await handOver(town, from);
  if (json) printJson({ from: side(from), to: side(to) });
  else
    println(
      `daemon handed over: pid ${from.pid} (${from.version ?? 'an older gt'}, build ${from.build ?? 'unknown'}) → pid ${to.pid} (${to.version ?? GT_VERSION}, build ${to.build ?? gtBuild()})`,
    );
}

export function registerDaemonRestart(daemon: GtCommand): void {
  daemon
    .command('restart')
    .description(
      'replace the running daemon with one of this gt (after an upgrade): the new one takes over the moment the old one has finished the request in hand; agents keep running',
    )
    .option('--json', 'print {"from", "to"}: each daemon’s pid, version and build')
    .action((opts: { json?: boolean }, cmd: Command) =>
      withTown(cmd.optsWithGlobals<GlobalOptions>(), (town) => restart(town, opts.json === true)),
    );
}
