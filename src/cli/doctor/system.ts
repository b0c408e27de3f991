// gt doctor's checks of the machine: Node, tmux (its version, the town's server, sockets of
// servers that are gone), git's identity.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './check.js';
import { atLeast, fail, ok, probe, repaired, versionOf, warn } from './check.js';

const NODE_MIN = [20, 19, 0];
const TMUX_MIN = [3, 2, 0];

export function nodeCheck(version = process.version): Check {
  const v = versionOf(version);
  if (v !== undefined && atLeast(v, NODE_MIN)) return ok('node', `Node ${version}`);
  return fail('node', `Node ${version} is older than 20.19`, 'install Node 20.19 or later');
}

export async function tmuxCheck(): Promise<Check> {
  const { out, error } = await probe('tmux', ['-V']);
  if (error !== null) return fail('tmux', `tmux not found (${error})`, 'apt-get install -y tmux');
  const v = versionOf(out);
  if (v === undefined || !atLeast(v, TMUX_MIN))
    return warn('tmux', `${out.trim()}: gt is tested with 3.2 and later`, 'upgrade tmux');
  return ok('tmux', out.trim());
}

/** The folder tmux keeps this user's sockets in. */
export function tmuxSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  return join(env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`);
}

/** Whether a tmux server answers on socket `name`. */
async function serverAnswers(name: string): Promise<boolean> {
  return (await probe('tmux', ['-L', name, 'list-sessions'])).error === null;
}

/** The town's tmux server: running (with its sessions) or not started yet; never an error. */
export async function townServerCheck(socket: string): Promise<Check> {
  const { out, error } = await probe('tmux', ['-L', socket, 'list-sessions', '-F', '#S']);
  if (error === null) {
    const n = out.split('\n').filter((l) => l.startsWith('gt-')).length;
    return ok('tmux.server', `the town's tmux server (-L ${socket}) answers: ${n} agent sessions`);
  }
  return ok('tmux.server', `no tmux server on -L ${socket} yet (no agent running)`);
}

/**
 * Sockets of gt towns' tmux servers (gt-*) that no server answers any more (a reboot, a killed
 * server): harmless, but each one looks like a town to tmux ls -L; --fix removes them.
 */
export async function staleSocketsCheck(fix: boolean, dir = tmuxSocketDir()): Promise<Check> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('gt-'));
  } catch {
    return ok('tmux.stale-sockets', 'no tmux sockets yet');
  }
  const stale: string[] = [];
  for (const name of names) {
    try {
      if (!statSync(join(dir, name)).isSocket()) continue;
    } catch {
      continue;
    }
    if (!(await serverAnswers(name))) stale.push(name);
  }
  if (stale.length === 0)
    return ok('tmux.stale-sockets', `${names.length} gt tmux sockets, all live`);
  const check = warn(
    'tmux.stale-sockets',
    `${stale.length} tmux sockets of servers that are gone: ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', …' : ''}`,
    'gt doctor --fix removes them',
  );
  if (!fix) return check;
  for (const name of stale) rmSync(join(dir, name), { force: true });
  return repaired(check, `removed ${stale.length} stale sockets from ${dir}`);
}

export async function gitCheck(): Promise<Check> {
  const version = await probe('git', ['--version']);
  if (version.error !== null)
    return fail('git', `git not found (${version.error})`, 'apt-get install -y git');
  const email = await probe('git', ['config', 'user.email']);
  const name = await probe('git', ['config', 'user.name']);
  if (email.error !== null || name.error !== null)
    return warn(
      'git',
      `${version.out.trim()}, but no identity: agents' commits and gt's workspace sync need one`,
      'git config --global user.name "Your Name" && git config --global user.email you@example.com',
    );
  return ok('git', `${version.out.trim()}, committing as ${name.out.trim()} <${email.out.trim()}>`);
}
