// How an agent's session reaches this same `gt`: the command its status line runs, and the
// folder put first on its PATH so that `gt handoff` typed by the agent (or run by its hooks)
// is the gt that started it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GtInvocation {
  /** The program and script that run gt: [node, …/dist/gt.cjs]. */
  argv: readonly string[];
  /** A folder holding an executable `gt`, for the agent's PATH. */
  binDir: string;
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
      return { argv: [execPath, script], binDir };
  }
  return undefined;
}

/** PATH with gt's folder first, so the agent's `gt` is this one. */
export function pathWithGt(gt: GtInvocation | undefined, path = process.env.PATH ?? ''): string {
  if (gt === undefined) return path;
  return path === '' ? gt.binDir : `${gt.binDir}:${path}`;
}
