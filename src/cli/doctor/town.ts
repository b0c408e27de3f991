// gt doctor's checks of the town: its store (integrity, schema, write-ahead log; PostgreSQL
// reachable, its clock), its daemon (up, a fresh heartbeat, this build, one of it), the
// supervisor unit and lingering, the modes of its secret files, and agents that need a person.
import { chmodSync, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { daemonStatus } from '../../status/daemon.js';
import { secretFile } from '../../dashboard/secret.js';
import type { Store } from '../../store/store.js';
import { openSqlite } from '../../store/sqlite/driver.js';
import { schemaVersionOf } from '../../store/sqlite/migrate.js';
import { SCHEMA_VERSION } from '../../store/sqlite/schema.js';
import type { TownPaths } from '../../town/layout.js';
import type { Settings } from '../../town/settings.js';
import { settingsFile } from '../../town/settings.js';
import { ms } from '../../util/duration.js';
import { installedUnit } from '../supervisor-unit.js';
import { hooksCheck } from './hooks.js';
import type { Check } from './check.js';
import { fail, ok, probe, repaired, warn } from './check.js';

/** A write-ahead log past this size is not being checkpointed (a reader held open?). */
const WAL_WARN_BYTES = 256 * 1024 * 1024;

export function sqliteCheck(file: string): Check[] {
  if (!existsSync(file)) return [ok('store', `no store yet at ${file} (made at first use)`)];
  let db;
  try {
    db = openSqlite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return [
      fail(
        'store',
        `cannot open ${file}: ${(err as Error).message}`,
        'gt store check; restore the .bak copy',
      ),
    ];
  }
  try {
    const integrity = (db.pragma('quick_check', { simple: true }) as string) ?? '';
    const version = schemaVersionOf(db) ?? 0;
    const wal = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
    return [
      integrity === 'ok'
        ? ok('store.integrity', `${file}: intact`)
        : fail(
            'store.integrity',
            `${file}: ${integrity}`,
            'restore the last .bak copy, or gt store migrate to a fresh store',
          ),
      version > SCHEMA_VERSION
        ? fail(
            'store.schema',
            `schema ${version} is newer than this gt knows (${SCHEMA_VERSION})`,
            'upgrade gt',
          )
        : version < SCHEMA_VERSION
          ? warn(
              'store.schema',
              `schema ${version}; this gt migrates it to ${SCHEMA_VERSION} at its next use (a copy is kept first)`,
              null,
            )
          : ok('store.schema', `schema ${version}, as this gt writes`),
      wal > WAL_WARN_BYTES
        ? warn(
            'store.wal',
            `write-ahead log ${Math.round(wal / 1e6)} MB: something holds a read open`,
            'stop long-running readers (gt dashboard, scripts), then gt daemon restart',
          )
        : ok('store.wal', `write-ahead log ${Math.round(wal / 1024)} KB`),
    ];
  } finally {
    db.close();
  }
}

/** PostgreSQL: reachable (the store opened and read). */
export async function postgresCheck(store: () => Promise<Store>): Promise<Check[]> {
  const started = Date.now();
  try {
    await (await store()).listAgents();
    return [ok('store', `PostgreSQL answers (${Date.now() - started} ms to connect and read)`)];
  } catch (err) {
    return [
      fail(
        'store',
        `PostgreSQL: ${(err as Error).message}`,
        'check store.url and that the server runs (gt config get store.url)',
      ),
    ];
  }
}

export async function daemonCheck(root: string, settings: Settings): Promise<Check[]> {
  const s = await daemonStatus(root, settings.daemon.host);
  if (!s.running)
    return [
      warn(
        'daemon',
        `no daemon runs for this town on ${settings.daemon.host}: requests and keep-alive wait`,
        'gt daemon start (or gt daemon enable-supervisor)',
      ),
    ];
  const checks: Check[] = [
    ok(
      'daemon',
      `pid ${s.pid}${s.supervised ? ', supervised' : ''}, up ${s.uptime_seconds ?? 0} s`,
    ),
  ];
  const beat = s.last_heartbeat === null ? null : Date.now() - Date.parse(s.last_heartbeat);
  const every = ms(settings.daemon.heartbeat);
  checks.push(
    beat === null
      ? warn(
          'daemon.heartbeat',
          'no heartbeat recorded yet',
          'wait one heartbeat; gt daemon logs if it stays',
        )
      : beat > 3 * every + 5_000
        ? fail(
            'daemon.heartbeat',
            `last heartbeat ${Math.round(beat / 1000)} s ago (every ${settings.daemon.heartbeat}): the daemon is stuck`,
            'gt daemon logs; gt daemon restart',
          )
        : ok('daemon.heartbeat', `last heartbeat ${Math.round(beat / 1000)} s ago`),
  );
  const running = daemonProcesses(root);
  if (running.length > 1)
    checks.push(
      fail(
        'daemon.count',
        `${running.length} daemon processes for this town: ${running.join(', ')} (one holds the lock)`,
        `kill the ones other than ${s.pid ?? '?'}; gt daemon restart`,
      ),
    );
  checks.push(
    s.same_build === false
      ? warn(
          'daemon.build',
          `it runs another gt (${s.version ?? 'older'}, build ${s.build ?? 'unknown'})`,
          'gt daemon restart',
        )
      : ok('daemon.build', 'it runs this gt'),
  );
  return checks;
}

/** Processes running `gt daemon run` for the town at `root` (its argv names it, or its cwd is it). */
export function daemonProcesses(root: string): number[] {
  const pids: number[] = [];
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    // compared as given
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf('daemon');
      if (at < 0 || argv[at + 1] !== 'run') continue;
      const town = argv[argv.indexOf('--town') + 1];
      const cwd = realpathSync(`/proc/${name}/cwd`);
      if ((town !== undefined && (town === root || town === real)) || cwd === real)
        pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Whether this user's manager keeps user services running without a login. */
async function lingering(): Promise<boolean | undefined> {
  const user = process.env.USER ?? process.env.LOGNAME;
  if (user === undefined) return undefined;
  const { out, error } = await probe('loginctl', ['show-user', user, '-p', 'Linger']);
  return error === null ? /Linger=yes/.test(out) : undefined;
}

export async function supervisorCheck(paths: TownPaths, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const unit = installedUnit(paths, env);
  if (unit === undefined)
    return [
      ok(
        'supervisor',
        'no service unit: the daemon stops at logout or reboot until started again (gt daemon enable-supervisor)',
      ),
    ];
  const linger = await lingering();
  return [
    ok('supervisor', `${unit.unit} installed (${unit.file})`),
    linger === false
      ? warn(
          'supervisor.linger',
          'your user does not linger: the unit stops when you log out',
          'loginctl enable-linger',
        )
      : ok(
          'supervisor.linger',
          linger === true ? 'lingering: the unit runs without a login' : 'no loginctl to ask',
        ),
  ];
}

/** Files that hold secrets or the town's state, which only their owner may read. */
export function modesCheck(paths: TownPaths, fix: boolean): Check {
  const files = [
    paths.storeFile,
    `${paths.storeFile}-wal`,
    secretFile(paths.root),
    settingsFile(paths.root),
    paths.supervisorUnit,
  ];
  const open = files.filter((f) => {
    try {
      return (statSync(f).mode & 0o077) !== 0;
    } catch {
      return false;
    }
  });
  if (open.length === 0)
    return ok('modes', 'the store, settings and secrets are private to their owner');
  const check = fail(
    'modes',
    `readable by others: ${open.join(', ')}`,
    'gt doctor --fix (chmod 600)',
  );
  if (!fix) return check;
  for (const f of open) chmodSync(f, 0o600);
  return repaired(check, `chmod 600 ${open.join(' ')}`);
}

export async function agentsCheck(
  store: () => Promise<Store>,
  root: string,
  fix: boolean,
): Promise<Check[]> {
  const records = await (await store()).listAgents();
  const hooks = hooksCheck(root, records, fix);
  const trouble = records.flatMap((r) => {
    if (r.parkedAt !== null) return [`${r.identity} parked (${r.parkedReason ?? 'crash loop'})`];
    if (r.failureKind !== null && ['auth', 'context_full', 'budget'].includes(r.failureKind))
      return [`${r.identity} held (${r.failureKind})`];
    if (r.activity === 'blocked')
      return [`${r.identity} blocked (${(r.activityDetail ?? '').split('\n')[0]})`];
    return [];
  });
  if (trouble.length === 0)
    return [
      ok('agents', `${records.length} agents on record, none parked, held or blocked`),
      hooks,
    ];
  return [...trouble.map((t) => warn('agents', t, `gt why ${t.split(' ')[0] ?? ''}`)), hooks];
}

/** The unit's recorded PATH, for where a supervised daemon's sessions look for programs. */
export function unitPath(paths: TownPaths, env: NodeJS.ProcessEnv): string | undefined {
  const unit = installedUnit(paths, env);
  if (unit === undefined) return undefined;
  try {
    const m = /^Environment="?PATH=([^"\n]*)"?$/m.exec(readFileSync(unit.file, 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}
