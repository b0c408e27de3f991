// Names of what tests create, shared by the helpers and the global setup (which may not import vitest).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Names made by this test run start with this; the run id keeps concurrent runs apart. */
export function tempPrefix(): string {
  return `gtt-${process.env.GT_TEST_RUN ?? 'adhoc'}-`;
}

export function tmuxSocketDir(): string {
  const uid = process.getuid?.() ?? 0;
  return join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`);
}

/**
 * The pids of tmux processes (servers, clients) on sockets `wanted` accepts, from their command
 * lines: a server keeps the command line of the client that started it, `-L <socket>` and all.
 */
export function tmuxProcesses(wanted: (socket: string) => boolean): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const at = argv.indexOf('-L');
    if (basename(argv[0] ?? '') === 'tmux' && at > 0 && wanted(argv[at + 1] ?? ''))
      found.push(Number(name));
  }
  return found;
}

/** A process's parent, from /proc (0 when it is gone). */
export function parentOf(pid: number): number {
  try {
    // The field after the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0; // gone meanwhile
  }
}
