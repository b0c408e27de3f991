// Files: the store, agent state files, the daemon folder and everything in it (log, pid, state,
// socket) are private to the user (0600 / 0700), checked with stat after real commands run
// under the most permissive umask there is.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnGt } from '../helpers/cli.js';
import { makeOrigin } from '../helpers/git.js';
import { tempDir, tmuxSocket, waitFor } from '../helpers/temp.js';
import { TINY_AGENT } from '../helpers/town.js';

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const r = await spawnGt(args, env, { openUmask: true }).result;
  if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** "<path> <mode>" for every path whose group or other bits are set. */
function exposed(paths: string[]): string[] {
  return paths
    .filter((p) => existsSync(p))
    .map((p) => [p, lstatSync(p).mode & 0o777] as const)
    .filter(([, mode]) => (mode & 0o077) !== 0)
    .map(([p, mode]) => `${p} ${mode.toString(8)}`);
}

describe('private files', () => {
  it('store, state files, daemon folder, log, pid, state and socket are 0600/0700 under umask 000', async () => {
    const base = tempDir('files');
    const root = join(base, 'town');
    const env = { GT_TOWN_ROOT: root, GT_TMUX_SOCKET: tmuxSocket() };
    await ok(['install', root], {});
    await ok(['rig', 'add', 'alpha', makeOrigin(base)], env);
    await ok(['crew', 'add', 'max', '--rig', 'alpha'], env);
    writeFileSync(
      join(root, 'settings', 'config.json'),
      JSON.stringify({ agents: { crew: { command: TINY_AGENT, sync: false } } }),
    );
    await ok(['session', 'start', 'alpha/crew/max'], env);
    await ok(['mail', 'send', 'mayor', '-s', 'hello', '-m', 'private'], env);
    const daemon = spawnGt(['daemon', 'run', '--quiet'], env, { openUmask: true });
    await waitFor('the daemon socket', () => existsSync(join(root, 'daemon', 'daemon.sock')));
    const token = execFileSync(
      'tmux',
      ['-L', env.GT_TMUX_SOCKET, 'show-environment', '-t', 'gt-alpha-crew-max', 'GT_AGENT_TOKEN'],
      { encoding: 'utf8' },
    )
      .trim()
      .replace(/^GT_AGENT_TOKEN=/, '');
    await ok(['handoff', '--no-daemon', '--wait', '--identity', 'alpha/crew/max'], {
      ...env,
      GT_AGENT_TOKEN: token,
    });
    await waitFor('a heartbeat state file', () => existsSync(join(root, 'daemon', 'state.json')));
    const store = readdirSync(join(root, '.gt'))
      .filter((n) => n.startsWith('town.db'))
      .map((n) => join(root, '.gt', n));
    expect(store.map((p) => p.replace(root, ''))).toEqual(
      expect.arrayContaining(['/.gt/town.db', '/.gt/town.db-wal', '/.gt/town.db-shm']),
    );
    const daemonFiles = ['daemon.log', 'daemon.pid', 'state.json', 'daemon.sock'].map((n) =>
      join(root, 'daemon', n),
    );
    for (const p of daemonFiles) expect(existsSync(p), p).toBe(true);
    const state = join(root, 'alpha', 'crew', 'max', 'state.json');
    expect(existsSync(state)).toBe(true);
    expect(
      exposed([join(root, '.gt'), join(root, 'daemon'), ...store, ...daemonFiles, state]),
    ).toEqual([]);
    expect(lstatSync(join(root, 'daemon', 'daemon.sock')).isSocket()).toBe(true);
    process.kill(daemon.pid, 'SIGTERM');
    expect((await daemon.result).code).toBe(0);
    // A clean stop rewrites daemon/state.json: still private.
    expect(
      exposed([join(root, 'daemon', 'state.json'), join(root, 'daemon', 'daemon.log')]),
    ).toEqual([]);
  });
});
