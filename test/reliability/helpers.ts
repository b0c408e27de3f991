// Shared tools of the reliability suites: a seeded PRNG whose seed is printed, tree snapshots
// to prove nothing outside (or inside) a town changed, the store of a test town, and probes
// for what this machine allows (mounts).
import { execFileSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { RunOptions } from '../helpers/cli.js';
import { gt, gtOk } from '../helpers/cli.js';
import { makeOrigin } from '../helpers/git.js';
import { tempPrefix, tmuxSocket } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';

/** Larger runs (npm run stress) scale the counts up. */
export const STRESS = process.env.GT_STRESS === '1';

export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return {
    seed,
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p) => next() < p,
  };
}

/** A PRNG seeded from GT_SEED, else at random; the seed is printed so a failure reproduces. */
export function seeded(suite: string): Rng {
  const given = process.env.GT_SEED;
  const seed = given !== undefined && /^\d+$/.test(given) ? Number(given) : randomInt(2 ** 31);
  console.log(`[${suite}] seed ${seed} (rerun with GT_SEED=${seed} to reproduce)`);
  return rng(seed);
}

/** path (relative) → what it is: type, mode, size and a hash of its content or link target. */
export type Snapshot = Map<string, string>;

export function snapshotTree(root: string, skip: (rel: string) => boolean = () => false): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (skip(rel)) continue;
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.set(rel, `link ${mode} -> ${readlinkSync(path)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${mode}`);
        walk(path);
      } else if (st.isFile()) {
        const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
        out.set(rel, `file ${mode} ${st.size} ${hash}`);
      } else out.set(rel, `other ${mode}`);
    }
  };
  walk(root);
  return out;
}

/** Every path that appeared, vanished or changed between two snapshots. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const diff: string[] = [];
  for (const [path, what] of before) {
    const now = after.get(path);
    if (now === undefined) diff.push(`gone: ${path}`);
    else if (now !== what) diff.push(`changed: ${path} (${what} → ${now})`);
  }
  for (const path of after.keys()) if (!before.has(path)) diff.push(`new: ${path}`);
  return diff;
}

export function storePath(town: TestTown): string {
  return join(town.root, '.gt', 'town.db');
}

export async function withStore<T>(
  town: TestTown,
  fn: (store: SqliteStore) => T | Promise<T>,
): Promise<T> {
  const store = SqliteStore.open(storePath(town));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** One line per session of the town's socket: name and pane pid. */
export function sessionPids(town: TestTown): Map<string, number> {
  let out: string;
  try {
    out = execFileSync(
      'tmux',
      [
        '-L',
        town.socket,
        '-f',
        '/dev/null',
        'list-panes',
        '-a',
        '-F',
        '#{session_name} #{pane_pid}',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch {
    return new Map();
  }
  const pids = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [name, pid] = line.split(' ');
    if (name && pid) pids.set(name, Number(pid));
  }
  return pids;
}

/** Whether this process may mount file systems (root, or the capability): probed once. */
export const CAN_MOUNT: boolean = probeMount();

function probeMount(): boolean {
  // GT_TEST_NO_MOUNT=1 exercises the stand-ins used where mounting is not allowed.
  if (process.getuid?.() !== 0 || process.env.GT_TEST_NO_MOUNT === '1') return false;
  const dir = mkdtempSync(join(tmpdir(), `${tempPrefix()}probe-`));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(dir);
  }
}

/** Shell-quotes one word for the agent commands tests write into settings. */
export function shq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** An agent that logs "<GT_ROLE> <pid>" to `file` (anywhere), then idles. */
export function loggingAgent(file: string): string {
  return `echo "$GT_ROLE $$" >> ${shq(file)}; exec sleep 600`;
}

/** Lines of a starts log for one address. */
export function startsIn(file: string, address: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith(`${address} `));
}

/** A test town at `root` (makeTown picks its own folder): rig alpha from an origin made in `scratch`, crew max. */
export async function townAt(
  root: string,
  scratch: string,
  installArgs: string[] = [],
): Promise<TestTown> {
  const env = { GT_TOWN_ROOT: root, GT_TMUX_SOCKET: tmuxSocket() };
  await gtOk(['install', root, ...installArgs]);
  const origin = makeOrigin(scratch);
  await gtOk(['rig', 'add', 'alpha', origin], { env });
  await gtOk(['crew', 'add', 'max', '--rig', 'alpha'], { env });
  const withEnv = (o: RunOptions = {}): RunOptions => ({ ...o, env: { ...env, ...o.env } });
  return {
    root,
    socket: env.GT_TMUX_SOCKET,
    origin,
    env,
    gt: (args, o) => gt(args, withEnv(o)),
    gtOk: (args, o) => gtOk(args, withEnv(o)),
  };
}
