// What `npm test` needs besides Node: tmux, git with an identity, Debian's Chromium (the
// dashboard's browser test), the PostgreSQL server binaries (throwaway clusters), sqlite3, and a
// C and C++ toolchain (the native gt, the native SQLite module). Run first by `npm test`:
// anything missing stops the suite at once with the one command that installs it, rather than
// late, inside the suite.
// `--packages` prints the missing Debian packages instead (.ci/run installs them).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import process from 'node:process';

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, name)));

function havePostgres() {
  if (onPath('initdb') && onPath('pg_ctl')) return true;
  try {
    return readdirSync('/usr/lib/postgresql').some((v) =>
      existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')),
    );
  } catch {
    return false;
  }
}

/** Each need: the Debian package that brings it, and whether it is here. */
const NEEDS = [
  ['tmux', () => onPath('tmux')],
  ['git', () => onPath('git')],
  ['sqlite3', () => onPath('sqlite3')],
  ['python3', () => onPath('python3')],
  ['make', () => onPath('make')],
  ['g++', () => onPath('g++')],
  ['gcc', () => onPath('cc')],
  ['chromium', () => onPath('chromium') || existsSync('/usr/bin/chromium')],
  ['postgresql', havePostgres],
];

const missing = NEEDS.filter(([, here]) => !here()).map(([pkg]) => pkg);

if (process.argv.includes('--packages')) {
  process.stdout.write(missing.join(' '));
  process.exit(0);
}

function gitIdentity() {
  try {
    execFileSync('git', ['config', 'user.email'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const problems = [];
if (missing.length > 0)
  problems.push(
    `missing: ${missing.join(', ')}\n  install: sudo apt-get install -y ${missing.join(' ')}`,
  );
if (!missing.includes('git') && !gitIdentity())
  problems.push(
    'git has no identity (the tests commit in their own repositories)\n  set one: git config --global user.name "Your Name" && git config --global user.email you@example.com',
  );
if (problems.length > 0) {
  process.stderr.write(`npm test cannot run here yet:\n${problems.join('\n')}\n`);
  process.exit(1);
}
