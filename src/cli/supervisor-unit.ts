// The town's systemd user unit, as gt finds and drives it: where its file goes, whether one is
// installed (daemon/supervisor.json, written when gt daemon enable-supervisor enabled it), and
// systemctl --user run without a shell.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { unitName } from '../daemon/supervisor.js';
import type { TownPaths } from '../town/layout.js';
import { writeJsonAtomic } from '../util/fs.js';

export interface InstalledUnit {
  unit: string;
  file: string;
}

const SYSTEMCTL_TIMEOUT_MS = 20_000;

export function systemctl(args: readonly string[], env: NodeJS.ProcessEnv): Promise<true | Error> {
  return new Promise((resolve) => {
    execFile(
      'systemctl',
      ['--user', ...args],
      { env, timeout: SYSTEMCTL_TIMEOUT_MS },
      (err, _out, stderr) => resolve(err === null ? true : new Error(stderr.trim() || err.message)),
    );
  });
}

/** Where systemd's user manager looks for the unit. */
export function unitFile(env: NodeJS.ProcessEnv, name: string): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'systemd', 'user', name);
}

export function recordUnit(paths: TownPaths, unit: InstalledUnit): void {
  writeJsonAtomic(paths.supervisorUnit, unit, 0o600);
}

/**
 * The town's unit, if one is installed: the one recorded when it was enabled (whatever HOME
 * the caller has: an agent's may differ), else one found where this user's manager looks.
 */
export function installedUnit(paths: TownPaths, env: NodeJS.ProcessEnv): InstalledUnit | undefined {
  try {
    const recorded = JSON.parse(readFileSync(paths.supervisorUnit, 'utf8')) as InstalledUnit;
    if (typeof recorded.unit === 'string' && existsSync(recorded.file)) return recorded;
  } catch {
    // none recorded: look where the manager would
  }
  const unit = unitName(paths.root);
  const file = unitFile(env, unit);
  return existsSync(file) ? { unit, file } : undefined;
}

/** Asks the user's manager to start the unit (it does nothing if the daemon runs). */
export function startUnit(unit: InstalledUnit, env: NodeJS.ProcessEnv): Promise<true | Error> {
  return systemctl(['start', unit.unit], env);
}
