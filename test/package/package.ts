// Packing and installing gastown-ts as a user would: `npm pack` in a folder, `npm install -g`
// of the tarball into a scratch prefix. The native SQLite module is built from source there
// (as on a machine that cannot fetch prebuilt binaries), against the npm cache the clone's
// `npm ci` filled.
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

/**
 * The gt before the last change to what gt is made of (src/, scripts/, package.json): that
 * commit's tree, built in a folder of its own with the clone's node_modules, and packed. A clone
 * without that history gets this tree built apart, one line added so its build is another.
 */
export async function previousTarball(
  scratch: string,
): Promise<{ tarball: string; commit: string }> {
  const dir = join(scratch, 'previous');
  mkdirSync(dir);
  const git = async (...args: string[]): Promise<string> =>
    (await run('git', args, { cwd: REPO, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  const last = await git('log', '-1', '--format=%H', '--', 'src', 'scripts', 'package.json');
  const previous = await git('rev-parse', '--verify', '--quiet', `${last}~1`).catch(() => '');
  if (previous !== '') {
    const archive = join(scratch, 'previous.tar');
    await git('archive', '--format=tar', '-o', archive, previous);
    await run('tar', ['-xf', archive, '-C', dir]);
  } else {
    await run('git', ['archive', '--format=tar', '-o', join(scratch, 'this.tar'), 'HEAD'], {
      cwd: REPO,
    });
    await run('tar', ['-xf', join(scratch, 'this.tar'), '-C', dir]);
    appendFileSync(
      join(dir, 'src', 'version.ts'),
      '\n// built apart: another build of this tree\n',
    );
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  // A tree from before the package named its files would be packed by .gitignore, which
  // leaves dist/ out: this says what to leave out instead (a `files` list wins over it).
  writeFileSync(join(dir, '.npmignore'), 'test/\nbench/\nscripts/\n');
  await run(process.execPath, ['scripts/build.mjs'], { cwd: dir, timeout: 300_000 });
  // Its own folder: both tarballs are named gastown-ts-<version>.tgz.
  const into = join(scratch, 'previous-pack');
  mkdirSync(into);
  const { tarball } = await packTarball(into, dir);
  return { tarball, commit: previous === '' ? 'HEAD (built apart)' : previous };
}

/**
 * `npm install -g` of a tarball with its install scripts left out, the native SQLite module
 * being the one the clone's `npm ci` built (the same version, for the same Node): spares the
 * upgrade test two more builds of it (the install test builds it for real). The path of the
 * installed gt script (dist/gt.cjs).
 */
export async function installedQuickly(prefix: string, tarball: string): Promise<string> {
  await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
    ],
    { env: { ...process.env, npm_config_loglevel: 'error' }, timeout: 300_000 },
  );
  const pkg = join(prefix, 'lib', 'node_modules', 'gastown-ts');
  const release = join(pkg, 'node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(release, { recursive: true });
  copyFileSync(
    join(REPO, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    join(release, 'better_sqlite3.node'),
  );
  return join(pkg, 'dist', 'gt.cjs');
}
