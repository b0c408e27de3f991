// Benchmark plumbing: timing, percentiles, and the table each figure is printed in
// beside its baseline measured in the same run.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Row {
  section: string;
  name: string;
  ours: number;
  baseline: number | null;
  baselineName: string | null;
  unit: string;
  /** Human-readable target, e.g. "≤ 1.5x" or "≥ 20000/s". */
  target: string;
  pass: boolean | null;
}

export function ratio(row: Row): number | null {
  return row.baseline === null || row.baseline === 0 ? null : row.ours / row.baseline;
}

/** A bench size from the environment (a whole number ≥ 1), else `fallback`. */
/** A size from the environment (0 allowed: that part left out), else `fallback`. */
export function benchSize(name: string, fallback: number): number {
  const text = process.env[name];
  const n = Number(text);
  return text !== undefined && text !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Wall time of one process run, in ms; throws if it fails. */
export function timeProcess(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): number {
  const start = nowMs();
  const result = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = nowMs() - start;
  if (result.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr?.toString() ?? ''}`);
  return elapsed;
}

/** Runs `a` and `b` alternately `n` times (after a warm-up) so drift hits both alike. */
export function interleave(
  n: number,
  a: () => number,
  b: () => number,
): { a: number[]; b: number[] } {
  a();
  b();
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < n; i++) {
    out.a.push(a());
    out.b.push(b());
  }
  return out;
}

/** `gt args…` as a process under `env` (plus `more`), returning its stdout. */
export function gtRunner(
  gtBin: string,
  env: NodeJS.ProcessEnv,
): (args: string[], more?: NodeJS.ProcessEnv) => string {
  return (args, more = {}) =>
    execFileSync(process.execPath, [gtBin, ...args], {
      env: { ...env, ...more },
      encoding: 'utf8',
    });
}

/** A whole-process figure beside `node -e 0` run alternately with it: the median, ≤ 1.5x. */
export function versusNode(
  section: string,
  name: string,
  run: () => number,
  opts: { env?: NodeJS.ProcessEnv; n?: number; target?: number } = {},
): { row: Row; runs: { a: number[]; b: number[] } } {
  const target = opts.target ?? 1.5;
  const node = (): number => timeProcess(process.execPath, ['-e', '0'], { env: opts.env });
  const runs = interleave(opts.n ?? 20, run, node);
  const [ours, base] = [median(runs.a), median(runs.b)];
  const row: Row = {
    section,
    name: `${name}, whole process (median)`,
    ours,
    baseline: base,
    baselineName: 'node -e 0',
    unit: 'ms',
    target: `≤ ${target}x`,
    pass: ours <= target * base,
  };
  return { row, runs };
}

export function scratch(label: string): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `gt-bench-${label}-`));
  // Retried: a process being stopped may still add a file while the folder is removed.
  return { dir, done: () => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }) };
}

function fmt(value: number | null, unit = ''): string {
  if (value === null || Number.isNaN(value)) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

export function printTable(rows: readonly Row[]): void {
  const header = ['section', 'figure', 'ours', 'baseline', 'ratio', 'target', 'ok'];
  const lines = rows.map((r) => [
    r.section,
    r.name,
    fmt(r.ours, r.unit),
    r.baseline === null ? '-' : `${fmt(r.baseline, r.unit)} (${r.baselineName ?? ''})`,
    ratio(r) === null ? '-' : `${fmt(ratio(r))}x`,
    r.target,
    r.pass === null ? '' : r.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const show = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(show(header));
  console.log(show(widths.map((w) => '-'.repeat(w))));
  for (const line of lines) console.log(show(line));
}

export function writeResults(file: string, rows: readonly Row[]): void {
  const payload = {
    at: new Date().toISOString(),
    node: process.version,
    rows: rows.map((r) => ({ ...r, ratio: ratio(r) })),
  };
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
}

/** Sends `signal` to a child we started and waits for it to be gone (at once if it already is). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export interface BenchTown {
  dir: string;
  root: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  gt: (args: string[], more?: NodeJS.ProcessEnv) => string;
  /** Ends its tmux server and removes it. */
  done: () => void;
}

/**
 * A town on its own tmux socket: rig alpha on an empty bare origin, `agents` crew work dirs
 * made directly (keep-alive needs only the folder; hundreds of clones would measure git), and
 * `settings` as its config.
 */
export function benchTown(
  gtBin: string,
  o: { label: string; socket: string; agents: number; settings: object },
): BenchTown {
  const { dir, done } = scratch(o.label);
  const root = join(dir, 'town');
  const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: o.socket };
  const gt = gtRunner(gtBin, env);
  gt(['install', root]);
  const origin = join(dir, 'origin.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  gt(['rig', 'add', 'alpha', origin]);
  for (let i = 0; i < o.agents; i++) mkdirSync(join(root, 'alpha', 'crew', `c${i}`));
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(o.settings));
  const socket = o.socket;
  return { dir, root, socket, env, gt, done: () => (killTmux(socket), done()) };
}

/** Ends the tmux server a benchmark started on `socket` and removes its socket file. */
export function killTmux(socket: string): void {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  const dir = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
  rmSync(join(dir, socket), { force: true });
}
