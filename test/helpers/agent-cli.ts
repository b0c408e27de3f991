// The real agent CLIs other than Claude Code (a devDependency), installed once at pinned versions
// into a cache beside node_modules that every test file and bench reuses: a 400 MB CLI is never
// part of a user's npm ci, and parallel test files never install it twice (a lock file orders
// them). The cache survives between runs on a developer's machine; CI fills it once per run.
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sleepSync } from './sleep-sync.js';

/** The folder holding package.json above `from` (test/helpers/ here, dist/ in the bench). */
function projectRoot(from: string): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return resolve(from, '../..');
}

export const CLI_CACHE = join(
  projectRoot(import.meta.dirname),
  'node_modules/.cache/gastown-agent-clis',
);

export interface PinnedCli {
  /** npm package name. */
  pkg: string;
  version: string;
  /** The executable in the package's bin/. */
  bin: string;
  /**
   * The CLI's native binary ships in per-platform packages (`<prefix>-linux-x64`, `…-baseline`,
   * `…-musl`); the package's own bin is a stub until its postinstall links the binary, which npm
   * skips where install scripts are not allowed. Then the platform package's binary is used.
   */
  platformPrefix?: string;
}

export const CODEX: PinnedCli = { pkg: '@openai/codex', version: '0.171.0', bin: 'codex' };
export const GEMINI: PinnedCli = { pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' };
export const PI: PinnedCli = { pkg: '@mariozechner/pi-coding-agent', version: '0.73.1', bin: 'pi' };
export const OPENCODE: PinnedCli = {
  pkg: 'opencode-ai',
  version: '1.18.33',
  bin: 'opencode',
  platformPrefix: 'opencode',
};

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

/** Whether the executable at `path` runs and says it is `version`. */
function runsAs(path: string, version: string): boolean {
  try {
    const out = execFileSync(path, ['--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.includes(version);
  } catch {
    return false;
  }
}

/** The CLI's real executable: its bin, or (a stub there) its platform package's binary. */
function usableBinary(cli: PinnedCli): string {
  const bin = binPath(cli);
  if (cli.platformPrefix === undefined || runsAs(bin, cli.version)) return bin;
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const base = join(prefixOf(cli), 'node_modules', `${cli.platformPrefix}-${os}-${process.arch}`);
  for (const variant of ['', '-baseline', '-musl', '-baseline-musl']) {
    const candidate = join(`${base}${variant}`, 'bin', cli.bin);
    if (existsSync(candidate) && runsAs(candidate, cli.version)) return candidate;
  }
  throw new Error(
    `${cli.pkg}@${cli.version}: neither its bin nor a platform package's binary runs`,
  );
}

function npmInstall(cli: PinnedCli): [string, string[]] {
  const prefix = prefixOf(cli);
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  return [
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
  ];
}

/** The path of the CLI's executable, installing it into the cache first if it is not there. */
export function ensureCli(cli: PinnedCli): string {
  if (installed(cli)) return usableBinary(cli);
  mkdirSync(CLI_CACHE, { recursive: true });
  const release = lock(join(CLI_CACHE, '.install.lock'));
  try {
    if (!installed(cli)) {
      const [file, args] = npmInstall(cli);
      execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 20 * 60_000 });
    }
  } finally {
    release();
  }
  if (!installed(cli))
    throw new Error(`${cli.pkg}@${cli.version} did not install into ${prefixOf(cli)}`);
  return usableBinary(cli);
}

/** Every pinned CLI the suite drives. */
export const PINNED = [CODEX, GEMINI, PI, OPENCODE] as const;

/**
 * Installs the CLIs not in the cache yet, side by side (before the suite: its test files then
 * find them there instead of waiting on each other's downloads).
 */
export async function installMissing(clis: readonly PinnedCli[]): Promise<void> {
  const missing = clis.filter((cli) => !installed(cli));
  if (missing.length === 0) return;
  mkdirSync(CLI_CACHE, { recursive: true });
  await Promise.all(
    missing.map(
      (cli) =>
        new Promise<void>((resolveInstall, reject) => {
          const [file, args] = npmInstall(cli);
          const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
          child.on('error', reject);
          child.on('close', (code) =>
            code === 0
              ? resolveInstall()
              : reject(new Error(`npm install ${cli.pkg}: exit ${code}`)),
          );
        }),
    ),
  );
}
