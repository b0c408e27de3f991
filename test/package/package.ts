// Packing and installing gastown-ts as a user would: `npm pack` in a folder, `npm install -g`
// of the tarball into a scratch prefix. The native SQLite module is built from source there
// (as on a machine that cannot fetch prebuilt binaries), against the npm cache the clone's
// `npm ci` filled.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO = resolve(import.meta.dirname, '..', '..');

/** The build (dist/) packed as it is, without building again; its tarball and its files. */
export async function packTarball(
  into: string,
  from = REPO,
): Promise<{ tarball: string; files: string[]; size: number }> {
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', into],
    { cwd: from, maxBuffer: 16 * 1024 * 1024 },
  );
  const [packed] = JSON.parse(stdout) as Array<{
    filename: string;
    size: number;
    files: Array<{ path: string }>;
  }>;
  if (packed === undefined) throw new Error(`npm pack said nothing: ${stdout}`);
  return {
    tarball: join(into, packed.filename),
    files: packed.files.map((f) => f.path),
    size: packed.size,
  };
}

/** `npm install -g` of the tarball into `<scratch>/prefix`; the installed gt's path. */
export async function installedGt(scratch: string, tarball: string): Promise<string> {
  const prefix = join(scratch, 'prefix');
  await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball],
    {
      cwd: scratch,
      env: { ...process.env, npm_config_build_from_source: 'true', npm_config_loglevel: 'error' },
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return join(prefix, 'bin', 'gt');
}
