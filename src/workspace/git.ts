// Running git: execFile with an argument array (no shell), a timeout, and no prompts.
import { execFile } from 'node:child_process';
import { GtError } from '../errors.js';

export interface GitResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface GitOptions {
  cwd: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_GIT_TIMEOUT_MS = 60_000;

/** Runs git; resolves with the outcome whatever the exit code. Only a missing git binary rejects. */
export function runGit(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...(opts.env ?? process.env),
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: 'echo',
          SSH_ASKPASS: 'echo',
          GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
          LC_ALL: 'C',
        },
      },
      (error, stdout, stderr) => {
        if (
          error &&
          (error as NodeJS.ErrnoException).code === 'ENOENT' &&
          typeof error.code === 'string'
        ) {
          reject(
            new GtError('GT_GIT_MISSING', 'git is not installed or not on PATH', {
              hint: 'install git',
            }),
          );
          return;
        }
        const timedOut = error !== null && (error as { killed?: boolean }).killed === true;
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ ok: error === null, code, stdout, stderr, timedOut });
      },
    );
  });
}

/** Runs git and throws a GtError with git's own words when it fails. */
export async function git(args: readonly string[], opts: GitOptions): Promise<string> {
  const result = await runGit(args, opts);
  if (!result.ok) throw gitFailure(args, result);
  return result.stdout;
}

export function gitFailure(args: readonly string[], result: GitResult): GtError {
  const what = `git ${args[0] ?? ''}`;
  if (result.timedOut) return new GtError('GT_GIT_TIMEOUT', `${what} timed out`);
  const detail = lastLines(result.stderr || result.stdout, 3);
  return new GtError('GT_GIT_FAILED', `${what} failed${detail ? `: ${detail}` : ''}`);
}

function lastLines(text: string, n: number): string {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(-n)
    .join(' / ');
}

/** The branch origin's HEAD points at, else the clone's current branch. */
export async function defaultBranch(cloneDir: string): Promise<string> {
  const remote = await runGit(['symbolic-ref', '--short', 'refs/remotes/origin/HEAD'], {
    cwd: cloneDir,
  });
  if (remote.ok && remote.stdout.trim().startsWith('origin/'))
    return remote.stdout.trim().slice('origin/'.length);
  const local = await runGit(['symbolic-ref', '--short', 'HEAD'], { cwd: cloneDir });
  if (local.ok && local.stdout.trim()) return local.stdout.trim();
  return 'main';
}
