// Builds dist/ once before the suite (CLI tests spawn the real `gt`), installs the pinned agent
// CLIs into their cache, points the user's cache folder at a temp dir, and after the suite
// fails the run if a test left a temp dir or a tmux server behind.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { tempPrefix, tmuxProcesses, tmuxSocketDir } from './helpers/names.js';
import { installMissing, PINNED } from './helpers/agent-cli.js';

function leftovers(): string[] {
  const prefix = tempPrefix();
  const found: string[] = [];
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith(prefix)) found.push(`temp dir ${name}`);
  try {
    for (const name of readdirSync(tmuxSocketDir())) {
      if (name.startsWith(prefix)) found.push(`tmux socket ${name}`);
    }
  } catch {
    // no tmux socket dir: nothing leaked there
  }
  // A server whose socket file is gone is found by its command line only (and ended).
  for (const pid of tmuxProcesses((socket) => socket.startsWith(prefix))) {
    found.push(`tmux process ${pid} (${commandLine(pid)})`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return 'gone';
  }
}

export async function setup(): Promise<() => void> {
  process.env.GT_TEST_RUN = randomBytes(3).toString('hex');
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  // The real agent CLIs the end-to-end tests drive, fetched side by side once (a cache kept
  // between runs): no test file waits on another's download.
  await installMissing(PINNED);
  const before = new Set(leftovers());
  // gt saves a code cache in the user's cache folder when the build's does not fit this
  // Node: during the suite that folder is a temp dir, never the real home.
  const cache = mkdtempSync(join(tmpdir(), `${tempPrefix()}xdg-cache-`));
  process.env.XDG_CACHE_HOME = cache;
  return () => {
    rmSync(cache, { recursive: true, force: true });
    const leaked = leftovers().filter((item) => !before.has(item));
    if (leaked.length > 0) throw new Error(`tests leaked: ${leaked.join(', ')}`);
  };
}
