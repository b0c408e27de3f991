// Making towns, rigs and crew on disk. Each is built in a scratch folder and moved
// into place with one rename, so a failure (a bad clone, a full disk) leaves nothing half-made.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { GtError, InputError } from '../errors.js';
import { writeJsonAtomic } from '../util/fs.js';
import { defaultBranch, git } from '../workspace/git.js';
import { validateName } from '../town/identity.js';
import type { RigEntry, TownMarker } from '../town/layout.js';
import { readRigs, rigEntry, townPaths, writeRigs } from '../town/layout.js';
import { openPostgres } from '../store/open.js';
import { parseStoreUrl } from '../store/postgres/url.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

const TOWN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CLONE_TIMEOUT_MS = 10 * 60_000;

export interface InstallResult {
  root: string;
  name: string;
}

export interface InstallOptions {
  name?: string | undefined;
  /** Make the town in a folder that already holds files (never in an existing town). */
  force?: boolean | undefined;
}

export function installTown(dir: string, opts: InstallOptions = {}): InstallResult {
  const { root, townName } = checkNewTown(dir, opts);
  placeTown(root, (scratch) => buildTown(scratch, townName));
  return { root, name: townName };
}

/**
 * `gt install --store URL`: a town whose store is the PostgreSQL database at `storeUrl`.
 * The database is migrated first, so a server that refuses us leaves no town behind.
 */
export async function installTownOnStore(
  dir: string,
  opts: InstallOptions,
  storeUrl: string,
): Promise<InstallResult> {
  const url = parseStoreUrl(storeUrl);
  const { root, townName } = checkNewTown(dir, opts);
  await (await openPostgres(url.href)).close();
  const store = { url: storeUrl, secret: url.hasPassword };
  placeTown(root, (scratch) => buildTown(scratch, townName, store));
  return { root, name: townName };
}

/** The folders a town is made of; --force into a folder holding any of them is refused. */
const TOWN_ENTRIES = ['mayor', 'deacon', 'daemon', 'settings', '.gt'];

function checkNewTown(dir: string, opts: InstallOptions): { root: string; townName: string } {
  const root = resolve(dir);
  const townName = opts.name ?? basename(root);
  if (!TOWN_NAME_RE.test(townName)) {
    throw new InputError('GT_BAD_NAME', `bad town name ${JSON.stringify(townName)}`, {
      hint: 'use letters, digits, _ . - (at most 64), or pass --name',
    });
  }
  if (existsSync(join(root, 'mayor', 'town.json'))) {
    throw new GtError('GT_TOWN_EXISTS', `${root} is already a town`);
  }
  if (existsSync(root) && !statSync(root).isDirectory())
    throw new InputError('GT_DIR_NOT_EMPTY', `${root} exists and is not a folder`);
  const entries = existsSync(root) ? readdirSync(root) : [];
  if (entries.length > 0 && opts.force !== true) {
    throw new InputError('GT_DIR_NOT_EMPTY', `${root} exists and is not an empty folder`, {
      hint: 'choose a new folder (gt install creates it), or --force to make the town among its files',
    });
  }
  const clash = entries.filter((e) => TOWN_ENTRIES.includes(e));
  if (clash.length > 0) {
    throw new InputError('GT_DIR_NOT_EMPTY', `${root} already holds ${clash.join(', ')}`, {
      hint: 'a town needs those names for itself; move them aside or choose another folder',
    });
  }
  return { root, townName };
}

/**
 * Builds the town in a scratch folder beside `root`, then moves it into place: the folder
 * itself when `root` is new or empty, else each of its parts (--force).
 */
function placeTown(root: string, build: (scratch: string) => void): void {
  mkdirSync(dirname(root), { recursive: true });
  const scratch = mkdtempSync(join(dirname(root), `.${basename(root)}.installing-`));
  try {
    build(scratch);
    if (existsSync(root) && readdirSync(root).length === 0) rmdirSync(root);
    if (!existsSync(root)) {
      renameSync(scratch, root);
      return;
    }
    moveParts(scratch, root);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
}

/** Moves each part of the built town into `root`, mayor/ (the marker) last; all or none. */
function moveParts(scratch: string, root: string): void {
  const parts = readdirSync(scratch).sort((a, b) => Number(a === 'mayor') - Number(b === 'mayor'));
  const moved: string[] = [];
  try {
    for (const part of parts) {
      renameSync(join(scratch, part), join(root, part));
      moved.push(part);
    }
  } catch (err) {
    for (const part of moved) rmSync(join(root, part), { recursive: true, force: true });
    throw err;
  }
  rmdirSync(scratch);
}

/** With `store`, the town keeps its mail in PostgreSQL (store.url) and gets no SQLite file. */
function buildTown(root: string, name: string, store?: { url: string; secret: boolean }): void {
  const paths = townPaths(root);
  for (const dir of [paths.mayorDir, paths.deaconDir, paths.settingsDir])
    mkdirSync(dir, { recursive: true });
  for (const dir of [paths.daemonDir, paths.storeDir])
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  const marker: TownMarker = {
    type: 'town',
    version: 1,
    name,
    created_at: new Date().toISOString(),
  };
  writeJsonAtomic(paths.marker, marker, 0o644);
  writeJsonAtomic(paths.rigs, { rigs: {} }, 0o644);
  const config = store === undefined ? {} : { store: { url: store.url } };
  // A URL with a password makes the settings file a secret.
  writeFileSync(join(paths.settingsDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, {
    mode: store?.secret ? 0o600 : 0o644,
  });
  // The store file is created (mode 0600) and migrated now so the first command is fast.
  if (store === undefined) void SqliteStore.open(paths.storeFile).close();
}

function scratchDir(root: string, label: string): string {
  const tmp = join(root, '.gt', 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  return mkdtempSync(join(tmp, `${label}-`));
}

/** A local path is cloned by its absolute path; anything else is handed to git as given. */
function resolveGitUrl(url: string, cwd: string): string {
  if (url.length === 0) throw new InputError('GT_BAD_URL', 'git url is empty');
  if (url.startsWith('-'))
    throw new InputError('GT_BAD_URL', `git url ${JSON.stringify(url)} may not start with '-'`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url)) return url;
  const local = isAbsolute(url) ? url : resolve(cwd, url);
  if (!existsSync(local)) {
    throw new InputError('GT_BAD_URL', `${url} is neither a URL nor an existing path`);
  }
  return local;
}

export interface RigAddResult {
  name: string;
  entry: RigEntry;
}

export async function addRig(
  root: string,
  name: string,
  url: string,
  cwd = process.cwd(),
): Promise<RigAddResult> {
  validateName('rig', name);
  if (readRigs(root).rigs[name] !== undefined)
    throw new GtError('GT_RIG_EXISTS', `rig ${name} already exists`);
  const target = join(root, name);
  if (existsSync(target)) {
    throw new GtError('GT_PATH_EXISTS', `${target} already exists`, {
      hint: 'choose another rig name',
    });
  }
  const gitUrl = resolveGitUrl(url, cwd);
  const scratch = scratchDir(root, `rig-${name}`);
  try {
    const rigDir = join(scratch, name);
    mkdirSync(join(rigDir, 'refinery'), { recursive: true });
    mkdirSync(join(rigDir, 'witness'));
    mkdirSync(join(rigDir, 'crew'));
    const clone = join(rigDir, 'refinery', 'rig');
    await git(['clone', '--quiet', '--', gitUrl, clone], {
      cwd: scratch,
      timeoutMs: CLONE_TIMEOUT_MS,
    });
    const branch = await defaultBranch(clone);
    const entry: RigEntry = {
      git_url: gitUrl,
      default_branch: branch,
      added_at: new Date().toISOString(),
    };
    writeJsonAtomic(
      join(rigDir, 'config.json'),
      { type: 'rig', version: 1, name, ...entry },
      0o644,
    );
    renameSync(rigDir, target);
    try {
      const registry = readRigs(root);
      registry.rigs[name] = entry;
      writeRigs(root, registry);
    } catch (err) {
      rmSync(target, { recursive: true, force: true });
      throw err;
    }
    return { name, entry };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface CrewAddResult {
  address: string;
  path: string;
  branch: string;
}

export async function addCrew(root: string, name: string, rig: string): Promise<CrewAddResult> {
  validateName('crew', name);
  const entry = rigEntry(root, rig);
  const target = join(root, rig, 'crew', name);
  if (existsSync(target))
    throw new GtError('GT_CREW_EXISTS', `crew member ${name} already exists in rig ${rig}`);
  const scratch = scratchDir(root, `crew-${rig}-${name}`);
  try {
    const clone = join(scratch, name);
    await git(['clone', '--quiet', '--', entry.git_url, clone], {
      cwd: scratch,
      timeoutMs: CLONE_TIMEOUT_MS,
    });
    // The agent's state file lives in the clone; keep it out of git.
    mkdirSync(join(clone, '.git', 'info'), { recursive: true });
    appendFileSync(
      join(clone, '.git', 'info', 'exclude'),
      '\n# gastown agent state\nstate.json\n.state.json.*.tmp\n',
    );
    mkdirSync(join(root, rig, 'crew'), { recursive: true });
    renameSync(clone, target);
    return { address: `${rig}/crew/${name}`, path: target, branch: entry.default_branch };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
