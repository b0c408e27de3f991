// The real agent CLIs other than Claude Code (a devDependency), installed once at pinned versions
// into a cache beside node_modules that every test file and bench reuses: a 400 MB CLI is never
// part of a user's npm ci, and parallel test files never install it twice (a lock file orders
// them). The cache survives between runs on a developer's machine; CI fills it once per run.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { sleepSync } from './sleep-sync.js';

export const CLI_CACHE = resolve(
  import.meta.dirname,
  '../../node_modules/.cache/gastown-agent-clis',
);

export interface PinnedCli {
  /** npm package name. */
  pkg: string;
  version: string;
  /** The executable in the package's bin/. */
  bin: string;
}

export const CODEX: PinnedCli = { pkg: '@openai/codex', version: '0.171.0', bin: 'codex' };
export const GEMINI: PinnedCli = { pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' };

const LOCK_STALE_MS = 15 * 60_000;

function prefixOf(cli: PinnedCli): string {
  return join(CLI_CACHE, `${cli.pkg.replace('/', '+')}@${cli.version}`);
}

function binPath(cli: PinnedCli): string {
  return join(prefixOf(cli), 'node_modules', '.bin', cli.bin);
}

function installed(cli: PinnedCli): boolean {
  const pkgJson = join(prefixOf(cli), 'node_modules', cli.pkg, 'package.json');
  if (!existsSync(binPath(cli)) || !existsSync(pkgJson)) return false;
  return (
    (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version === cli.version
  );
}

/** Takes the cache's lock file (made with O_EXCL); a lock older than LOCK_STALE_MS is broken. */
function lock(file: string): () => void {
  for (;;) {
    try {
      closeSync(openSync(file, 'wx'));
      return () => rmSync(file, { force: true });
    } catch {
      try {
        if (Date.now() - statSync(file).mtimeMs > LOCK_STALE_MS) rmSync(file, { force: true });
      } catch {
        // released meanwhile
      }
      sleepSync(500);
    }
  }
}

/** The path of the CLI's executable, installing it into the cache first if it is not there. */
export function ensureCli(cli: PinnedCli): string {
  if (installed(cli)) return binPath(cli);
  mkdirSync(CLI_CACHE, { recursive: true });
  const release = lock(join(CLI_CACHE, '.install.lock'));
  try {
    if (!installed(cli)) {
      const prefix = prefixOf(cli);
      rmSync(prefix, { recursive: true, force: true });
      mkdirSync(prefix, { recursive: true });
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          prefix,
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          `${cli.pkg}@${cli.version}`,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'], timeout: 20 * 60_000 },
      );
    }
  } finally {
    release();
  }
  if (!installed(cli))
    throw new Error(`${cli.pkg}@${cli.version} did not install into ${prefixOf(cli)}`);
  return binPath(cli);
}
