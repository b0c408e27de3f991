// How an agent's session reaches this same `gt`: the command its status line runs, and the
// folder put first on its PATH so that `gt handoff` typed by the agent (or run by its hooks)
// is the gt that started it. That folder is the native gt's (native/gt.c: a hook's report
// without a Node start) when it was built here and runs on this machine, else the Node one's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GtInvocation {
  /** The program and script that run gt: [node, …/dist/gt.cjs]. */
  argv: readonly string[];
  /** A folder holding an executable `gt`, for the agent's PATH. */
  binDir: string;
  /** The native gt's folder, used instead of binDir when its gt answers the probe. */
  nativeDir?: string;
}

/**
 * Finds the built gt next to `file` (a module of the gt or demo bundle), or one folder up
 * (esbuild's shared chunks); undefined when gt is not built there (source runs in tests).
 */
export function locateGt(file: string, execPath = process.execPath): GtInvocation | undefined {
  for (const dir of [dirname(file), dirname(dirname(file))]) {
    const script = join(dir, 'gt.cjs');
    const binDir = join(dir, 'bin');
    if (existsSync(script) && existsSync(join(binDir, 'gt')))
      return { argv: [execPath, script], binDir, nativeDir: join(dir, 'native') };
  }
  return undefined;
}

/** PATH with gt's folder first, so the agent's `gt` is this one. */
export function pathWithGt(gt: GtInvocation | undefined, path = process.env.PATH ?? ''): string {
  if (gt === undefined) return path;
  const dir = gtDir(gt);
  return path === '' ? dir : `${dir}:${path}`;
}

/** What the native gt prints for `--native-probe` (native/gt.c, PROBE_ANSWER). */
export const NATIVE_PROBE_ANSWER = 'gt native 1\n';
const probed = new Map<string, boolean>();

/**
 * The folder whose `gt` the agent runs: the native one when it exists and answers the probe
 * (built for another machine, it would not run at all), unless GT_NATIVE=off.
 */
export function gtDir(gt: GtInvocation): string {
  const native = gt.nativeDir;
  if (native === undefined || process.env.GT_NATIVE === 'off') return gt.binDir;
  let works = probed.get(native);
  if (works === undefined) {
    const probe = spawnSync(join(native, 'gt'), ['--native-probe'], {
      encoding: 'utf8',
      timeout: 5_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    works = probe.status === 0 && probe.stdout === NATIVE_PROBE_ANSWER;
    probed.set(native, works);
  }
  return works ? native : gt.binDir;
}
