// `gt store migrate`: move a town from its embedded SQLite store to a shared PostgreSQL one.
// The PostgreSQL code (and its driver) is loaded only when the command runs.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { GtCommand } from './program.js';
import { queryHolder } from '../daemon/lock.js';
import { GtError, InputError } from '../errors.js';
import { parseStoreUrl } from '../store/postgres/url.js';
import { settingsFile } from '../town/settings.js';
import { writeJsonAtomic } from '../util/fs.js';
import type { GlobalOptions, TownContext } from './context.js';
import { openTown, printJson, println } from './context.js';

interface MigrateOptions {
  to?: string;
  force?: boolean;
  json?: boolean;
}

export function registerStore(program: GtCommand): void {
  const store = program
    .command('store')
    .description('the town store: embedded SQLite, or PostgreSQL for towns that span machines');
  store
    .command('migrate')
    .description(
      'copy this town’s SQLite mail, agents and events into PostgreSQL, then point the town at it',
    )
    .option('--to <url>', 'postgres:// URL of the target (default: store.url / GT_DATABASE_URL)')
    .option('--force', 'replace what the target already holds')
    .option('--json', 'print what was copied as JSON')
    .action((opts: MigrateOptions, cmd: Command) =>
      migrate(openTown(cmd.optsWithGlobals<GlobalOptions>()), opts),
    );
}

async function migrate(town: TownContext, opts: MigrateOptions): Promise<void> {
  const target = opts.to ?? town.settings.store.url;
  if (target === null) {
    throw new InputError('GT_NO_STORE_URL', 'no PostgreSQL store to migrate to', {
      hint: 'pass --to postgres://USER:PASSWORD@HOST/DATABASE',
    });
  }
  const url = parseStoreUrl(target);
  const source = town.paths.storeFile;
  if (!existsSync(source)) {
    throw new GtError('GT_STORE_NOT_FOUND', `this town has no SQLite store at ${source}`, {
      hint: 'nothing to copy: gt install --store URL makes a town on PostgreSQL from the start',
    });
  }
  const host = town.settings.daemon.host;
  const daemon = await queryHolder(town.root, host);
  if (daemon !== undefined) {
    throw new GtError(
      'GT_DAEMON_RUNNING',
      `the daemon (pid ${daemon.pid}) is using the store; mail it receives during the copy would be left behind`,
      { hint: 'gt daemon stop, then migrate, then gt daemon start' },
    );
  }
  const { copySqliteToPostgres } = await import('../store/postgres/copy.js');
  const counts = await copySqliteToPostgres(source, url.href, { force: opts.force === true });
  pointTownAt(town.root, target, url.hasPassword);
  if (opts.json) {
    printJson({ ...counts, store: url.redacted, sqlite_backup: source });
    return;
  }
  println(
    `copied ${counts.messages} messages, ${counts.events} events and ${counts.agents} agents to ${url.redacted}`,
  );
  println(`the town now uses it; ${source} is left as it was, as a backup`);
}

/** Sets store.url in settings/config.json, keeping every other key; private if it holds a password. */
export function pointTownAt(root: string, url: string, secret: boolean): void {
  const file = settingsFile(root);
  let settings: Record<string, unknown> = {};
  if (existsSync(file))
    settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const store = (settings.store ?? {}) as Record<string, unknown>;
  settings.store = { ...store, url };
  writeJsonAtomic(file, settings, secret ? 0o600 : 0o644);
}
