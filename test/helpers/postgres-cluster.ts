// A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp dir, a free port on
// 127.0.0.1, password auth, started and stopped with pg_ctl. As root it runs as the postgres
// user (PostgreSQL refuses root). Imports nothing from vitest, so benchmarks can use it too.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Cluster {
  /** postgres://postgres:…@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** pg_ctl restart -m fast: every connection is cut, the server comes back on the same port. */
  restart(): Promise<void>;
  /** pg_ctl stop -m fast, keeping the data: the port refuses connections until resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Prefix of the temp dir's name. */
  prefix: string;
  /** Durable commits (fsync on); tests turn it off for speed. */
  durable?: boolean;
}

const MISSING = `PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin;
install PostgreSQL 15 (Debian: apt-get install -y postgresql, as .ci/run does) or set GT_TEST_DATABASE_URL`;

/** Where the server binaries may be: PATH, then Debian's versioned folders, newest first. */
export function pgBinCandidates(): string[] {
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  let versioned: string[] = [];
  try {
    versioned = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    // no Debian-style install
  }
  return [...fromPath, ...versioned];
}

/** The folder holding initdb and pg_ctl; throws a clear error when there is none. */
export function findPgBin(candidates = pgBinCandidates()): string {
  const dir = candidates.find(
    (d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')),
  );
  if (dir === undefined) throw new Error(MISSING);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface RunAs {
  uid: number;
  gid: number;
  exec(cmd: string, args: string[]): Promise<string>;
}

/** Runs the server's tools as ourselves, or as the postgres user when we are root. */
async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) {
    return {
      uid: -1,
      gid: -1,
      exec: async (cmd, args) => (await run(cmd, args, { timeout: 60_000 })).stdout,
    };
  }
  let ids: [number, number];
  try {
    const uid = (await run('id', ['-u', 'postgres'])).stdout.trim();
    const gid = (await run('id', ['-g', 'postgres'])).stdout.trim();
    ids = [Number(uid), Number(gid)];
  } catch {
    throw new Error('running as root, but there is no postgres user to run PostgreSQL as');
  }
  return {
    uid: ids[0],
    gid: ids[1],
    exec: async (cmd, args) =>
      (await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { timeout: 60_000 })).stdout,
  };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const bin = findPgBin();
  const as = await runAs();
  const dir = mkdtempSync(join(tmpdir(), opts.prefix));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = (...args: string[]): Promise<string> =>
    as.exec(join(bin, 'pg_ctl'), ['-D', data, '-l', log, ...args]);
  try {
    if (as.uid >= 0) chownSync(dir, as.uid, as.gid);
    const password = randomBytes(12).toString('hex');
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (as.uid >= 0) chownSync(pwfile, as.uid, as.gid);
    await as.exec(join(bin, 'initdb'), [
      ...['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '-A', 'scram-sha-256'],
      ...['-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    ]);
    rmSync(pwfile);
    const conf = [
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 200',
      ...(opts.durable
        ? []
        : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    ];
    appendFileSync(join(data, 'postgresql.conf'), `\n${conf.join('\n')}\n`);
    const port = await startOnFreePort(data, pgCtl);
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    return {
      url,
      port,
      dir,
      restart: async () => {
        await pgCtl('-w', '-t', '60', '-m', 'fast', 'restart');
      },
      pause: async () => {
        await pgCtl('-w', '-t', '60', '-m', 'fast', 'stop');
      },
      resume: async () => {
        await pgCtl('-w', '-t', '60', 'start');
      },
      stop: () => stopCluster(dir, data, pgCtl),
    };
  } catch (err) {
    await stopCluster(dir, data, pgCtl).catch(() => undefined);
    throw withLog(err, log);
  }
}

/** The port is free when we look; another process may take it first, so try a few. */
async function startOnFreePort(
  data: string,
  pgCtl: (...args: string[]) => Promise<string>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    appendFileSync(join(data, 'postgresql.conf'), `port = ${port}\n`);
    try {
      await pgCtl('-w', '-t', '60', 'start');
      return port;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function stopCluster(
  dir: string,
  data: string,
  pgCtl: (...args: string[]) => Promise<string>,
): Promise<void> {
  const pidFile = join(data, 'postmaster.pid');
  if (existsSync(pidFile)) {
    try {
      await pgCtl('-w', '-t', '60', '-m', 'fast', 'stop');
    } catch {
      // pg_ctl could not stop it: end the server we started, by the pid it recorded
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function withLog(err: unknown, log: string): Error {
  let tail = '';
  try {
    tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    // no log yet
  }
  const message = err instanceof Error ? err.message : String(err);
  return new Error(tail ? `${message}\nserver log:\n${tail}` : message);
}
