// Real git repositories for tests: a bare origin with one commit, and clones of it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A bare repository `<dir>/origin.git` whose `branch` holds one commit with README.md. */
export function makeOrigin(dir: string, branch = 'main'): string {
  const origin = join(dir, 'origin.git');
  const work = join(dir, 'seed-work');
  mkdirSync(work, { recursive: true });
  gitIn(dir, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, origin);
  gitIn(work, 'init', '--quiet', `--initial-branch=${branch}`);
  writeFileSync(join(work, 'README.md'), '# test rig\n');
  gitIn(work, 'add', 'README.md');
  gitIn(work, 'commit', '--quiet', '-m', 'first');
  gitIn(work, 'remote', 'add', 'origin', origin);
  gitIn(work, 'push', '--quiet', 'origin', branch);
  return origin;
}

/** Commits `content` to `file` in a fresh clone of `origin` and pushes it. */
export function pushChange(
  origin: string,
  scratch: string,
  file: string,
  content: string,
  branch = 'main',
): void {
  const work = join(scratch, `push-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  gitIn(scratch, 'clone', '--quiet', origin, work);
  writeFileSync(join(work, file), content);
  gitIn(work, 'add', file);
  gitIn(work, 'commit', '--quiet', '-m', `change ${file}`);
  gitIn(work, 'push', '--quiet', 'origin', branch);
}

export { GIT_ENV };
