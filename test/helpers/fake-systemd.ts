// A fake systemd user manager, for the one situation no real part here can produce: this
// machine runs no user manager (systemctl --user answers "Failed to connect to bus"). A
// `systemctl` on PATH that logs every call and, for `start`/`enable --now`, keeps the unit's
// ExecStart running as the manager would: a fixed environment (the manager's, never the
// caller's) plus the unit's Environment= and an INVOCATION_ID, restarted after a failure.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentOf } from './names.js';
import { onCleanup, tempDir, waitFor } from './temp.js';

export interface FakeSystemd {
  /** Put first on PATH. */
  binDir: string;
  /** XDG_CONFIG_HOME for gt: units go under systemd/user/ here. */
  configHome: string;
  /** Each systemctl call's arguments and the agent variables its caller had. */
  calls(): Array<{ args: string[]; callerRole: string | null }>;
  /** Every pid the manager started the unit's daemon as, oldest first. */
  daemonPids(): number[];
}

const MANAGER = String.raw`
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const [cfgFile, unitFile] = process.argv.slice(2);
const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
function words(line) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(line)) !== null)
    out.push(m[1].replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  return out;
}
let child, stopping = false, timer;
function start() {
  if (child || stopping) return;
  clearTimeout(timer);
  const text = fs.readFileSync(unitFile, 'utf8');
  const exec = words(text.match(/^ExecStart=(.*)$/m)[1]);
  const env = { ...cfg.env, INVOCATION_ID: Math.random().toString(16).slice(2) };
  for (const m of text.matchAll(/^Environment=(.*)$/gm)) {
    const [kv] = words(m[1]);
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const log = fs.openSync(cfg.log, 'a');
  child = spawn(exec[0], exec.slice(1), { env, stdio: ['ignore', log, log], detached: true });
  fs.appendFileSync(cfg.pids, child.pid + '\n');
  child.on('exit', (code, signal) => {
    child = undefined;
    const failed = code !== 0 && code !== null || (signal !== null && signal !== 'SIGTERM');
    if (!stopping && failed) timer = setTimeout(start, cfg.restartMs);
  });
}
process.on('SIGUSR2', start);
process.on('SIGTERM', () => {
  stopping = true;
  clearTimeout(timer);
  if (!child) process.exit(0);
  child.once('exit', () => process.exit(0));
  child.kill('SIGTERM');
});
start();
`;

const SYSTEMCTL = String.raw`
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const cfg = JSON.parse(fs.readFileSync(process.env.FAKE_SYSTEMD_CONFIG || __dirname + '/config.json', 'utf8'));
const args = process.argv.slice(2);
fs.appendFileSync(cfg.calls, JSON.stringify({ args, callerRole: process.env.GT_ROLE || null }) + '\n');
if (args[0] !== '--user') process.exit(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
function managerPid() { try { return Number(fs.readFileSync(cfg.manager, 'utf8')); } catch { return 0; } }
function start(unit) {
  const file = path.join(cfg.unitDir, unit);
  if (!fs.existsSync(file)) { process.stderr.write('Unit ' + unit + ' not found.\n'); process.exit(5); }
  const pid = managerPid();
  if (pid && alive(pid)) { process.kill(pid, 'SIGUSR2'); return; }
  const m = spawn(process.execPath, [cfg.managerScript, cfg.self, file], { detached: true, stdio: 'ignore', env: {} });
  fs.writeFileSync(cfg.manager, String(m.pid));
  m.unref();
}
const [, verb, ...rest] = args;
const unit = rest.filter((a) => !a.startsWith('--')).pop();
if (cfg.broken) { process.stderr.write('Failed to connect to bus: No medium found\n'); process.exit(1); }
if (verb === 'start' || (verb === 'enable' && rest.includes('--now'))) start(unit);
else if (verb === 'stop') { const pid = managerPid(); if (pid && alive(pid)) process.kill(pid, 'SIGTERM'); }
`;

export interface FakeSystemdOptions {
  /** The manager's own environment, which the unit's daemon gets (never the caller's). */
  env: Record<string, string>;
  /** RestartSec, in ms. */
  restartMs?: number;
  /** Every call fails as with no user manager to reach. */
  broken?: boolean;
}

export function fakeSystemd(opts: FakeSystemdOptions): FakeSystemd {
  const dir = tempDir('systemd');
  const binDir = join(dir, 'bin');
  const configHome = join(dir, 'config');
  const unitDir = join(configHome, 'systemd', 'user');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(unitDir, { recursive: true });
  const self = join(binDir, 'config.json');
  const cfg = {
    self,
    unitDir,
    env: opts.env,
    restartMs: opts.restartMs ?? 200,
    broken: opts.broken === true,
    calls: join(dir, 'calls.log'),
    pids: join(dir, 'pids.log'),
    manager: join(dir, 'manager.pid'),
    managerScript: join(dir, 'manager.cjs'),
    log: join(dir, 'unit.log'),
  };
  writeFileSync(self, JSON.stringify(cfg));
  writeFileSync(cfg.managerScript, MANAGER);
  writeFileSync(join(binDir, 'systemctl'), `#!${process.execPath}\n${SYSTEMCTL}`, { mode: 0o755 });
  const lines = (file: string): string[] =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  // The manager and whatever it runs go with the test, the daemon first.
  onCleanup(async () => {
    const manager = Number(lines(cfg.manager)[0] ?? 0);
    if (manager === 0) return;
    try {
      process.kill(manager, 'SIGTERM');
    } catch {
      return;
    }
    await waitFor('the fake manager to stop its unit', () => !alive(manager), 20_000);
  });
  return {
    binDir,
    configHome,
    calls: () =>
      lines(cfg.calls).map((l) => JSON.parse(l) as { args: string[]; callerRole: string | null }),
    daemonPids: () => lines(cfg.pids).map(Number),
  };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of every `gt daemon run` process serving the town at `root`, from /proc. */
export function daemonsOf(root: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('daemon');
      if (i < 0 || argv[i + 1] !== 'run') continue;
      const town = argv.includes(root) || environOf(Number(name)).GT_TOWN_ROOT === root;
      if (town) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  // A daemon's child between fork and exec (a tmux client it starts) still shows the daemon's
  // command line and environment: it is not another daemon.
  return pids.filter((pid) => !pids.includes(parentOf(pid)));
}

/** A process's environment, as /proc shows it. */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = entry.indexOf('=');
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}
