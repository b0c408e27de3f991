// `gt doctor [--fix] [--json]`: what is wrong with this machine and town and how to fix it, one
// check at a time (doctor/*.ts), each with a status, one line of why, and the fix. --fix repairs
// what is safe (stale tmux sockets, file modes) and says what it did. Nothing else is changed:
// a store older than this gt is reported, not migrated.
import type { Command } from 'commander';
import { pathWithGt } from '../agents/gt-command.js';
import { SettingsError, TownNotFoundError } from '../errors.js';
import { queryHolder } from '../daemon/lock.js';
import { openSqlite } from '../store/sqlite/driver.js';
import { schemaVersionOf } from '../store/sqlite/migrate.js';
import { SCHEMA_VERSION } from '../store/sqlite/schema.js';
import { townSocket } from '../town/tmux-socket.js';
import type { Check } from './doctor/check.js';
import { fail, ok } from './doctor/check.js';
import { cliChecks, pathOfProcess } from './doctor/clis.js';
import {
  gitCheck,
  nodeCheck,
  staleSocketsCheck,
  tmuxCheck,
  townServerCheck,
} from './doctor/system.js';
import {
  agentsCheck,
  daemonCheck,
  modesCheck,
  postgresCheck,
  sqliteCheck,
  supervisorCheck,
  unitPath,
} from './doctor/town.js';
import type { GlobalOptions, TownContext } from './context.js';
import { openTown, printJson, println, thisGt } from './context.js';
import type { GtCommand } from './program.js';

interface Flags {
  fix?: boolean;
  json?: boolean;
}

/** The town, or the check that says why there is none to look at. */
function townOrCheck(global: GlobalOptions): TownContext | Check {
  try {
    return openTown(global);
  } catch (err) {
    if (err instanceof TownNotFoundError && global.town === undefined)
      return ok('town', 'not in a town: only the machine was checked');
    if (err instanceof SettingsError)
      return fail(
        'settings',
        err.message,
        'gt config set <key> <value> (or edit settings/config.json)',
      );
    return fail('town', (err as Error).message, null);
  }
}

/** Whether the SQLite store is at this gt's schema (only then is it opened, read-only in spirit). */
function storeCurrent(file: string): boolean {
  try {
    const db = openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      return schemaVersionOf(db) === SCHEMA_VERSION;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** The PATH the agents' sessions get: the running daemon's, else its unit's, else this one's. */
async function sessionPath(town: TownContext): Promise<string> {
  const holder = await queryHolder(town.root, town.settings.daemon.host);
  const daemon = holder === undefined ? undefined : pathOfProcess(holder.pid);
  const base = daemon ?? unitPath(town.paths, town.env) ?? town.env.PATH ?? '';
  return pathWithGt(thisGt(), base);
}

async function townChecks(town: TownContext, fix: boolean): Promise<Check[]> {
  const { settings, paths } = town;
  const sqlite = settings.store.url === null;
  const checks: Check[] = [ok('settings', `valid (${town.loaded.file})`)];
  checks.push(await townServerCheck(townSocket(town.root, settings.tmux.socket)));
  checks.push(...(sqlite ? sqliteCheck(paths.storeFile) : await postgresCheck(() => town.store())));
  checks.push(...(await daemonCheck(town.root, settings)));
  checks.push(...(await supervisorCheck(paths, town.env)));
  checks.push(modesCheck(paths, fix));
  if (!sqlite || storeCurrent(paths.storeFile))
    checks.push(...(await agentsCheck(() => town.store(), town.root, fix)));
  checks.push(...(await cliChecks(settings, await sessionPath(town))));
  return checks;
}

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

function print(checks: readonly Check[]): void {
  for (const c of checks) {
    println(`${MARK[c.status]}  ${c.id.padEnd(22)} ${c.reason}`);
    if (c.fixed !== null) println(`      fixed: ${c.fixed}`);
    else if (c.fix !== null && c.status !== 'ok') println(`      fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  println(failed + warned === 0 ? 'all good' : `${failed} failed, ${warned} to look at`);
}

async function doctor(global: GlobalOptions, flags: Flags): Promise<number> {
  const fix = flags.fix === true;
  const checks: Check[] = [
    nodeCheck(),
    await tmuxCheck(),
    await gitCheck(),
    await staleSocketsCheck(fix),
  ];
  const town = townOrCheck(global);
  if ('id' in town) checks.push(town);
  else
    try {
      checks.push(...(await townChecks(town, fix)));
    } finally {
      await town.close();
    }
  if (flags.json) printJson({ ok: checks.every((c) => c.status !== 'fail'), checks });
  else print(checks);
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

export function registerDoctor(program: GtCommand): void {
  program
    .command('doctor')
    .description(
      'check this machine and town: Node, tmux, git, settings, the store, the daemon, the service unit, file modes, agents that need a person, each role’s agent CLI on its sessions’ PATH; exit 1 if anything failed',
    )
    .option('--fix', 'repair what is safe (stale tmux sockets, file modes) and say what was done')
    .option('--json', 'print {"ok", "checks": [{id, status, reason, fix, fixed}]} as JSON')
    .action((flags: Flags, cmd: Command) => doctor(cmd.optsWithGlobals<GlobalOptions>(), flags));
}
