// gt doctor over real towns: each problem found with its fix, --fix repairing what is safe
// (a stale tmux socket of a server killed here, a settings file others can read), exit 1 while
// anything fails, --json for scripts.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmuxSocketDir } from '../../src/cli/doctor/system.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { townPaths } from '../../src/town/layout.js';
import { onCleanup, tempPrefix, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { makeTown } from '../helpers/town.js';

interface Report {
  ok: boolean;
  checks: Array<{
    id: string;
    status: string;
    reason: string;
    fix: string | null;
    fixed: string | null;
  }>;
}

async function doctor(
  town: TestTown,
  ...flags: string[]
): Promise<{ code: number | null; report: Report }> {
  const out = await town.gt(['doctor', '--json', ...flags]);
  return { code: out.code, report: JSON.parse(out.stdout) as Report };
}

const check = (r: Report, id: string) => r.checks.find((c) => c.id === id);

/** A tmux socket whose server was killed (SIGKILL: it leaves its socket behind). */
function staleSocket(): string {
  const name = `gt-${tempPrefix()}stale`;
  execFileSync('tmux', ['-L', name, 'new-session', '-d', '-s', 'x', 'sleep 600']);
  const pid = Number(
    execFileSync('tmux', ['-L', name, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }),
  );
  process.kill(pid, 'SIGKILL');
  return join(tmuxSocketDir(), name);
}

describe('gt doctor', () => {
  it('finds a settings file others can read and a stale tmux socket; --fix repairs both', async () => {
    const town = await makeTown({ settings: { daemon: { host: hostname() } } });
    const settings = join(town.root, 'settings', 'config.json');
    chmodSync(settings, 0o644);
    const socket = staleSocket();
    await waitFor(
      'the server gone',
      () => spawnSync('tmux', ['-L', socket.split('/').pop() ?? '', 'ls']).status !== 0,
    );
    const before = await doctor(town);
    expect(before.code).toBe(1);
    expect(before.report.ok).toBe(false);
    expect(check(before.report, 'modes')).toMatchObject({
      status: 'fail',
      fix: 'gt doctor --fix (chmod 600)',
    });
    expect(check(before.report, 'tmux.stale-sockets')?.reason).toContain(socket.split('/').pop());
    expect(check(before.report, 'store.integrity')?.status).toBe('ok');
    expect(check(before.report, 'daemon')?.status).toBe('warn');

    const fixed = await doctor(town, '--fix');
    expect(check(fixed.report, 'modes')).toMatchObject({
      status: 'ok',
      fixed: `chmod 600 ${settings}`,
    });
    expect(check(fixed.report, 'tmux.stale-sockets')?.fixed).toMatch(/^removed \d+ stale sockets/);
    expect(statSync(settings).mode & 0o777).toBe(0o600);
    expect(existsSync(socket)).toBe(false);
    expect(fixed.code).toBe(0);
    const text = await town.gt(['doctor']);
    expect(text.stdout).toMatch(/^ok {4}node +Node v/m);
    expect(text.stdout).toMatch(/^warn {2}daemon .*\n {6}fix: gt daemon start/m);
  });

  it('a daemon up with a fresh heartbeat, an agent parked, an agent CLI its sessions cannot find', async () => {
    const town = await makeTown({
      settings: {
        daemon: { host: hostname(), heartbeat: '1s' },
        agents: { witness: { runtime: 'claude', command: 'claude-not-installed-here --x' } },
      },
    });
    chmodSync(join(town.root, 'settings', 'config.json'), 0o600);
    await town.gtOk(['daemon', 'start']);
    try {
      const store = SqliteStore.open(townPaths(town.root).storeFile);
      await store.patchAgent('alpha/crew/max', {
        parkedAt: Date.now(),
        parkedReason: 'crash loop',
      });
      await store.close();
      await waitFor(
        'a heartbeat',
        async () =>
          (await doctor(town)).report.checks.some(
            (c) => c.id === 'daemon.heartbeat' && c.status === 'ok',
          ),
        10_000,
        200,
      );
      const { code, report } = await doctor(town);
      expect(code).toBe(1);
      expect(check(report, 'daemon.build')?.status).toBe('ok');
      expect(check(report, 'agents')).toMatchObject({
        status: 'warn',
        reason: 'alpha/crew/max parked (crash loop)',
        fix: 'gt why alpha/crew/max',
      });
      expect(check(report, 'daemon.count')).toBeUndefined();
      const cli = report.checks.find((c) => c.id === 'agent-cli.witness');
      expect(cli).toMatchObject({ status: 'fail' });
      expect(cli?.reason).toMatch(
        /witness: claude-not-installed-here is not on the PATH its sessions get/,
      );
    } finally {
      await town.gtOk(['daemon', 'stop']);
    }
  });

  it('two daemon processes for one town (a stand-in: gt itself never lets a second one run)', async () => {
    const town = await makeTown({ settings: { daemon: { host: hostname() } } });
    await town.gtOk(['daemon', 'start']);
    const standIn = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 60000)', 'daemon', 'run', '--town', town.root],
      { stdio: 'ignore' },
    );
    onCleanup(() => standIn.kill('SIGKILL'));
    try {
      const { code, report } = await doctor(town);
      expect(code).toBe(1);
      expect(check(report, 'daemon.count')?.reason).toMatch(
        new RegExp(`^2 daemon processes for this town: .*${standIn.pid ?? 0}`),
      );
    } finally {
      await town.gtOk(['daemon', 'stop']);
    }
  });

  it('a Claude Code agent whose work dir lacks its hooks; --fix installs them beside the user’s own', async () => {
    const town = await makeTown({ settings: { daemon: { host: hostname() } } });
    const store = SqliteStore.open(townPaths(town.root).storeFile);
    await store.patchAgent('alpha/crew/max', { runtime: 'claude', startedAt: Date.now() });
    await store.close();
    const file = join(town.root, 'alpha', 'crew', 'max', '.claude', 'settings.local.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ permissions: { allow: ['Bash(ls)'] } }));
    expect(check((await doctor(town)).report, 'hooks')).toMatchObject({
      status: 'warn',
      reason:
        'hooks missing or out of date for alpha/crew/max: their activity is read from the screen only',
    });
    const fixed = await doctor(town, '--fix');
    expect(check(fixed.report, 'hooks')).toMatchObject({
      status: 'ok',
      fixed: 'installed the hooks of alpha/crew/max',
    });
    const settings = JSON.parse(readFileSync(file, 'utf8')) as {
      permissions: unknown;
      hooks: Record<string, unknown>;
    };
    expect(settings.permissions).toEqual({ allow: ['Bash(ls)'] });
    expect(Object.keys(settings.hooks)).toContain('UserPromptSubmit');
    expect(check((await doctor(town)).report, 'hooks')?.status).toBe('ok');
  });

  it('settings that do not parse: one failed check with the problem, the machine still checked', async () => {
    const town = await makeTown();
    writeFileSync(
      join(town.root, 'settings', 'config.json'),
      JSON.stringify({ daemon: { heartbeat: 'soon' } }),
    );
    const { code, report } = await doctor(town);
    expect(code).toBe(1);
    expect(check(report, 'settings')?.reason).toMatch(/daemon\.heartbeat = "soon"/);
    expect(check(report, 'node')?.status).toBe('ok');
  });
});
