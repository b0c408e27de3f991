// Finding and ending every process of a tmux pane through /proc: the pane's descendants, members
// of its Unix session, and escapees that daemonised but still carry the pane's TMUX variables.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pollUntil } from '../util/wait.js';

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** Unix session id (field 6 of /proc/PID/stat); a pane's first process leads its own. */
  sid: number;
  /** Start time in clock ticks since boot (field 22): tells a reused pid from the one we saw. */
  start: string;
  state: string;
}

/** What identifies one pane's processes: its first pid and the TMUX/TMUX_PANE values tmux gave it. */
export interface PaneMarker {
  panePid: number;
  paneId: string;
  /** `<socket path>,<server pid>,` — the start of the TMUX variable in every process of that server. */
  tmuxPrefix: string;
}

/** pid → start time of each process to end. */
export type ProcSet = Map<number, string>;

export interface EndOptions {
  /** How long processes get to exit after SIGTERM before SIGKILL. */
  graceMs: number;
  /** How long to wait for SIGKILLed processes to disappear. */
  killWaitMs: number;
  pollMs?: number;
}

/** Parses /proc/PID/stat. The command name (field 2) may itself hold spaces and ')'. */
export function parseStat(text: string): ProcEntry | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  const rest = text.slice(close + 2).split(' ');
  const [state, ppid, , sid] = rest;
  const start = rest[19];
  if (!Number.isInteger(pid) || state === undefined || start === undefined) return undefined;
  return { pid, ppid: Number(ppid), sid: Number(sid), start, state };
}

export function procAvailable(): boolean {
  return existsSync('/proc/self/stat');
}

function readStat(pid: number): ProcEntry | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function snapshot(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readStat(Number(name));
    if (entry !== undefined) out.push(entry);
  }
  return out;
}

/** Alive means present, not a zombie, and the same process we first saw (not a reused pid). */
function isAlive(pid: number, start: string): boolean {
  const entry = readStat(pid);
  return entry !== undefined && entry.start === start && entry.state !== 'Z' && entry.state !== 'X';
}

/**
 * A process that escaped its pane lost its parent and was adopted (by pid 1, or by a parent
 * we cannot see). Only those need their environment read: everything else is found through
 * the process tree, and reading every process's environment made each stop scale with the
 * whole machine.
 */
function orphaned(p: ProcEntry, present: ReadonlySet<number>): boolean {
  return p.ppid <= 1 || !present.has(p.ppid);
}

function carriesMarker(pid: number, markers: readonly PaneMarker[]): boolean {
  let environ: string[];
  try {
    // Other users' environments are unreadable (EACCES): not ours to signal anyway.
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return markers.some(
    (m) =>
      environ.includes(`TMUX_PANE=${m.paneId}`) &&
      environ.some((e) => e.startsWith(`TMUX=${m.tmuxPrefix}`)),
  );
}

/**
 * Every live process that belongs to the panes: the pane pids, their Unix session members,
 * processes carrying a pane's TMUX marker, anything in `known` still alive, and all their
 * descendants. Never this process, never pid 1.
 */
export function paneProcesses(markers: readonly PaneMarker[], known: ProcSet = new Map()): ProcSet {
  const procs = snapshot();
  const roots = new Set(markers.map((m) => m.panePid));
  const present = new Set(procs.map((p) => p.pid));
  const members = new Set<number>();
  for (const p of procs) {
    const wasKnown = known.get(p.pid) === p.start;
    if (
      roots.has(p.pid) ||
      roots.has(p.sid) ||
      wasKnown ||
      (orphaned(p, present) && carriesMarker(p.pid, markers))
    )
      members.add(p.pid);
  }
  addDescendants(procs, members);
  const out: ProcSet = new Map();
  for (const p of procs) {
    if (!members.has(p.pid) || p.pid <= 1 || p.pid === process.pid) continue;
    if (p.state !== 'Z' && p.state !== 'X') out.set(p.pid, p.start);
  }
  return out;
}

function addDescendants(procs: readonly ProcEntry[], members: Set<number>): void {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const queue = [...members];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (!members.has(child)) {
        members.add(child);
        queue.push(child);
      }
    }
  }
}

function signal(targets: ProcSet, sig: NodeJS.Signals): void {
  for (const [pid, start] of targets) {
    if (!isAlive(pid, start)) continue;
    try {
      process.kill(pid, sig);
    } catch {
      // gone in the meantime (ESRCH) or not ours (EPERM): nothing to do either way
    }
  }
}

function survivors(targets: ProcSet): ProcSet {
  return new Map([...targets].filter(([pid, start]) => isAlive(pid, start)));
}

/** Polls /proc until every target is gone or `timeoutMs` passes; returns the survivors. */
async function waitUntilGone(
  targets: ProcSet,
  timeoutMs: number,
  pollMs: number,
): Promise<ProcSet> {
  let left = targets;
  // Most agents are gone within a few ms of the signal: poll fast first, then back off.
  await pollUntil(
    () => {
      left = survivors(left);
      return left.size === 0;
    },
    { timeoutMs, intervalMs: pollMs, fastStart: true },
  );
  return left;
}

/**
 * SIGTERM every process of the panes, wait for them, then SIGKILL survivors and whatever they
 * forked meanwhile. Returns the pids that were still alive at the end (normally none).
 */
export async function endPaneProcesses(
  markers: readonly PaneMarker[],
  opts: EndOptions,
): Promise<number[]> {
  const pollMs = opts.pollMs ?? 25;
  if (!procAvailable()) return endWithoutProc(markers, opts, pollMs);
  const first = paneProcesses(markers);
  // Nothing alive, nothing that could have forked since: no second look needed.
  if (first.size === 0) return [];
  signal(first, 'SIGTERM');
  const left = await waitUntilGone(first, opts.graceMs, pollMs);
  const second = paneProcesses(markers, left);
  if (second.size === 0) return [];
  signal(second, 'SIGKILL');
  return [...(await waitUntilGone(second, opts.killWaitMs, pollMs)).keys()];
}

/** Without /proc (not Linux) the best we can do is each pane's process group. */
async function endWithoutProc(
  markers: readonly PaneMarker[],
  opts: EndOptions,
  pollMs: number,
): Promise<number[]> {
  const targets = markers.flatMap((m) => [-m.panePid, m.panePid]);
  const send = (sig: NodeJS.Signals | 0): number[] =>
    targets.filter((target) => {
      try {
        process.kill(target, sig);
        return true;
      } catch {
        return false; // gone, or not ours
      }
    });
  send('SIGTERM');
  await pollUntil(() => send(0).length === 0, { timeoutMs: opts.graceMs, intervalMs: pollMs });
  send('SIGKILL');
  return []; // without /proc a killed zombie cannot be told from a survivor
}
