// Running the town's own sync.command: the one place gt hands text to a shell, and
// only text from the town's settings gets here. A timeout kills all it started.
import { spawn } from 'node:child_process';

export interface ShellResult {
  ok: boolean;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
}

const MAX_OUTPUT_CHARS = 64 * 1024;
/** After the shell exits, how long to wait for output still in the pipes. */
const DRAIN_MS = 200;

/**
 * Runs shell text with /bin/sh -c in `cwd`. The shell leads its own process group so
 * that a timeout kills everything it started, not just the shell; once the shell
 * exits on its own, whatever it left running in the background is left alone.
 */
export function runShellCommand(
  command: string,
  opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv | undefined },
): Promise<ShellResult> {
  return new Promise((done) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: opts.cwd,
      env: { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let timedOut = false;
    const take = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ ok: false, code: null, signal: null, timedOut, output: err.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        done({ ok: code === 0 && !timedOut, code, signal, timedOut, output });
      };
      // Background children may hold the pipes open; read what is there, then let go.
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        settle();
      }, DRAIN_MS);
      child.on('close', () => {
        clearTimeout(drain);
        settle();
      });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, 'SIGKILL'); // the group of the shell we started, and nothing else
  } catch {
    // the group is already gone
  }
}
