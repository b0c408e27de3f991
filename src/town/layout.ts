// The town on disk: finding its root, and reading its marker and rig registry.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GtError, TownNotFoundError } from '../errors.js';
import { writeJsonAtomic } from '../util/fs.js';
import type { Identity } from './identity.js';
import { formatAddress, validateName } from './identity.js';

export interface TownMarker {
  type: 'town';
  version: number;
  name: string;
  created_at: string;
}

export interface RigEntry {
  git_url: string;
  default_branch: string;
  added_at: string;
}

export interface RigRegistry {
  rigs: Record<string, RigEntry>;
}

export const townPaths = (root: string) => ({
  root,
  marker: join(root, 'mayor', 'town.json'),
  rigs: join(root, 'mayor', 'rigs.json'),
  mayorDir: join(root, 'mayor'),
  deaconDir: join(root, 'deacon'),
  daemonDir: join(root, 'daemon'),
  settingsDir: join(root, 'settings'),
  storeDir: join(root, '.gt'),
  storeFile: join(root, '.gt', 'town.db'),
  daemonLog: join(root, 'daemon', 'daemon.log'),
  daemonPid: join(root, 'daemon', 'daemon.pid'),
  daemonLock: join(root, 'daemon', 'daemon.lock'),
  daemonState: join(root, 'daemon', 'state.json'),
  daemonSocket: join(root, 'daemon', 'daemon.sock'),
  /** Written by gt daemon enable-supervisor: the unit that runs this town's daemon. */
  supervisorUnit: join(root, 'daemon', 'supervisor.json'),
});

export type TownPaths = ReturnType<typeof townPaths>;

function isTownRoot(dir: string): boolean {
  try {
    return statSync(join(dir, 'mayor', 'town.json')).isFile();
  } catch {
    return false;
  }
}

export interface FindTownOptions {
  town?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The town root from --town, else GT_TOWN_ROOT (or Gas Town's GT_ROOT), else the nearest
 * ancestor holding mayor/town.json.
 */
export function findTownRoot(opts: FindTownOptions = {}): string {
  const env = opts.env ?? process.env;
  const variable = env.GT_TOWN_ROOT ? 'GT_TOWN_ROOT' : env.GT_ROOT ? 'GT_ROOT' : undefined;
  const given = opts.town ?? (variable === undefined ? undefined : env[variable]);
  if (given !== undefined) {
    const root = resolve(opts.cwd ?? process.cwd(), given);
    if (!isTownRoot(root)) {
      const from = opts.town !== undefined ? '--town' : (variable ?? 'GT_TOWN_ROOT');
      throw new TownNotFoundError(`${from} ${root} is not a town (no mayor/town.json)`);
    }
    return root;
  }
  let dir = resolve(opts.cwd ?? process.cwd());
  for (;;) {
    if (isTownRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new TownNotFoundError(`no town found at or above ${resolve(opts.cwd ?? process.cwd())}`);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GtError('GT_TOWN_CORRUPT', `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GtError(
      'GT_TOWN_CORRUPT',
      `${what} ${file} is not valid JSON: ${(err as Error).message}`,
      {
        hint: 'fix or restore the file by hand',
      },
    );
  }
}

export function readTownMarker(root: string): TownMarker {
  const file = townPaths(root).marker;
  const data = readJson(file, 'town marker');
  if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'town') {
    throw new GtError('GT_TOWN_CORRUPT', `town marker ${file} does not say {"type":"town"}`);
  }
  return data as TownMarker;
}

export function readRigs(root: string): RigRegistry {
  const file = townPaths(root).rigs;
  if (!existsSync(file)) return { rigs: {} };
  const data = readJson(file, 'rig registry');
  const rigs = (data as { rigs?: unknown } | null)?.rigs;
  if (typeof rigs !== 'object' || rigs === null || Array.isArray(rigs)) {
    throw new GtError('GT_TOWN_CORRUPT', `rig registry ${file} has no "rigs" object`);
  }
  return { rigs: rigs as Record<string, RigEntry> };
}

export function writeRigs(root: string, registry: RigRegistry): void {
  writeJsonAtomic(townPaths(root).rigs, registry, 0o644);
}

export function rigEntry(root: string, rig: string): RigEntry {
  validateName('rig', rig);
  const entry = readRigs(root).rigs[rig];
  if (entry === undefined) {
    throw new GtError('GT_RIG_NOT_FOUND', `no rig named ${rig} in this town`, {
      exitCode: 2,
      hint: 'gt rig add <name> <git-url> registers one',
    });
  }
  return entry;
}

/** Throws unless the identity's rig (and crew member) exist in this town. */
export function requireKnownIdentity(root: string, id: Identity): void {
  if (id.role === 'mayor' || id.role === 'deacon') return;
  if (readRigs(root).rigs[id.rig] === undefined) {
    throw new GtError(
      'GT_UNKNOWN_ADDRESS',
      `unknown address ${formatAddress(id)}: no rig named ${id.rig}`,
      {
        exitCode: 2,
        hint: 'gt rig add <name> <git-url> registers a rig',
      },
    );
  }
  if (id.role === 'crew' && !existsSync(join(root, id.rig, 'crew', id.name))) {
    throw new GtError(
      'GT_UNKNOWN_ADDRESS',
      `unknown address ${formatAddress(id)}: no crew member ${id.name} in rig ${id.rig}`,
      {
        exitCode: 2,
        hint: `gt crew add ${id.name} --rig ${id.rig} adds one`,
      },
    );
  }
}
