// A process's resident memory and CPU time, from /proc.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
export const CLOCK_TICKS = 100;

export function procStats(pid: number): { rssKb: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { rssKb, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU time (ticks) of a process itself, and of its children it has waited for. */
export function procCpu(pid: number): { own: number; children: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const n = (i: number): number => Number(fields[i]);
  return { own: n(11) + n(12), children: n(13) + n(14) };
}

/** The process a pane runs: the pane's own, or the one its shell started (sh -c …). */
export function agentProcess(panePid: number): number {
  let pid = panePid;
  for (let depth = 0; depth < 3; depth++) {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'sh' && comm !== 'bash' && comm !== 'dash') return pid;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    if (kids[0] === undefined || kids[0] === '') return pid;
    pid = Number(kids[0]);
  }
  return pid;
}

/** The ids of a process's live children. */
function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU time (ticks) of a process and everything under it: its own, its children it has waited
 * for, and its live children's the same way (a long-lived helper such as a tmux client counts
 * before it ends, and the same once it has been waited for).
 */
export function treeCpu(pid: number): number {
  try {
    const { own, children } = procCpu(pid);
    return own + children + childrenOf(pid).reduce((sum, kid) => sum + treeCpu(kid), 0);
  } catch {
    return 0; // gone between the listing and the read
  }
}
