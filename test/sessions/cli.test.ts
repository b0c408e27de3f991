// `gt session …` and `gt attach` as a user meets them: the built binary, stdout, stderr, exit code.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TmuxHost } from '../../src/sessions/tmux.js';
import type { RunResult } from '../helpers/cli.js';
import { GT_BIN, gt, gtOk } from '../helpers/cli.js';
import { makeOrigin } from '../helpers/git.js';
import { onCleanup, tempDir, tmuxSocket, waitFor } from '../helpers/temp.js';
import { endDaemons } from '../helpers/town.js';

interface SessionJson {
  identity: string;
  session: string;
  state: string;
  pid: number | null;
  uptime_seconds: number | null;
}

interface CliTown {
  root: string;
  socket: string;
  env: Record<string, string>;
  run(...args: string[]): Promise<RunResult>;
  list(): Promise<SessionJson[]>;
}

async function cliTown(): Promise<CliTown> {
  const base = tempDir('town');
  const root = join(base, 'town');
  const socket = tmuxSocket();
  const env = { GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
  await gtOk(['install', root]);
  // gt session start starts a daemon for a runtime with dialogs: it goes with the town.
  onCleanup(() => endDaemons(root));
  await gtOk(['rig', 'add', 'alpha', makeOrigin(base)], { env });
  await gtOk(['crew', 'add', 'max', '--rig', 'alpha'], { env });
  const agent = { command: 'sleep 1000', sync: false };
  writeFileSync(
    join(root, 'settings', 'config.json'),
    JSON.stringify({ agents: { crew: agent, witness: agent, mayor: agent } }),
  );
  const run = (...args: string[]): Promise<RunResult> => gt(args, { env });
  return {
    root,
    socket,
    env,
    run,
    list: async () =>
      JSON.parse(await gtOk(['session', 'list', '--json'], { env })) as SessionJson[],
  };
}

function tmuxServerRunning(socket: string): boolean {
  try {
    execFileSync('tmux', ['-L', socket, 'list-sessions'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('gt session', () => {
  it('start, list, restart, stop', async () => {
    const town = await cliTown();
    expect(await town.list()).toEqual([]);
    expect((await town.run('session', 'list')).stdout).toBe('no agent sessions\n');

    const started = await town.run('session', 'start', 'alpha-crew-max');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(
      /^started gt-alpha-crew-max for alpha\/crew\/max \(pid \d+; fresh\)\n$/,
    );
    const [entry, ...rest] = await town.list();
    expect(rest).toEqual([]);
    expect(Object.keys(entry ?? {}).sort()).toEqual([
      'identity',
      'pid',
      'session',
      'state',
      'uptime_seconds',
    ]);
    expect(entry).toMatchObject({
      identity: 'alpha/crew/max',
      session: 'gt-alpha-crew-max',
      state: 'alive',
    });
    expect(entry?.pid).toBeGreaterThan(1);
    expect(entry?.uptime_seconds).toBeGreaterThanOrEqual(0);

    const restarted = JSON.parse(
      (await town.run('session', 'restart', 'alpha/crew/max', '--json')).stdout,
    ) as Record<string, unknown>;
    expect(restarted).toMatchObject({
      identity: 'alpha/crew/max',
      session: 'gt-alpha-crew-max',
      replaced: true,
    });
    expect(restarted.pid).not.toBe(entry?.pid);
    expect((await town.list()).map((s) => s.pid)).toEqual([restarted.pid]);

    expect(await town.run('session', 'stop', 'alpha/crew/max/')).toMatchObject({
      code: 0,
      stdout: 'stopped gt-alpha-crew-max\n',
    });
    expect(await town.list()).toEqual([]);
    expect(await town.run('session', 'stop', 'alpha/crew/max')).toMatchObject({
      code: 0,
      stdout: 'gt-alpha-crew-max was not running\n',
    });
  });

  it('gt session history: each session, how it ended, newest first; --resume refused for a program with no conversation', async () => {
    const town = await cliTown();
    const history = async () =>
      JSON.parse(
        (await town.run('session', 'history', 'alpha/crew/max', '--json')).stdout,
      ) as Array<{
        ending: string | null;
        mode: string | null;
      }>;
    expect(await history()).toEqual([]);
    expect((await town.run('session', 'history', 'alpha/crew/max')).stdout).toBe(
      'alpha/crew/max has no sessions on record\n',
    );
    await gtOk(['session', 'start', 'alpha/crew/max'], { env: town.env });
    await gtOk(['session', 'restart', 'alpha/crew/max'], { env: town.env });
    await gtOk(['session', 'stop', 'alpha/crew/max'], { env: town.env });
    await gtOk(['session', 'start', 'alpha/crew/max', '--fresh'], { env: town.env });
    expect((await history()).map((r) => [r.ending, r.mode])).toEqual([
      [null, 'fresh'],
      ['stop', 'fresh'],
      ['restart', 'fresh'],
    ]);
    const text = (await town.run('session', 'history', 'alpha/crew/max', '--limit', '2')).stdout;
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(text).toMatch(/running\n.*stop \d{4}-/);
    const resume = await town.run('session', 'restart', 'alpha/crew/max', '--resume');
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/^gt: shell cannot resume a conversation/);
    const both = await town.run('session', 'restart', 'alpha/crew/max', '--resume', '--fresh');
    expect(both.code).toBe(2);
    const unknown = await town.run('session', 'history', 'alpha/crew/nobody');
    expect(unknown.code).toBe(2);
  });

  it('refuses unknown and malformed identities before touching tmux', async () => {
    const town = await cliTown();
    const unknownRig = await town.run('session', 'start', 'beta/witness');
    expect(unknownRig.code).toBe(2);
    expect(unknownRig.stderr).toMatch(/^gt: unknown address beta\/witness: no rig named beta\n/);
    const unknownCrew = await town.run('session', 'start', 'alpha/crew/nobody');
    expect(unknownCrew.code).toBe(2);
    expect(unknownCrew.stderr).toContain('no crew member nobody');
    const malformed = await town.run('session', 'stop', '../../etc');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^gt: /);
    expect(malformed.stderr).not.toContain('    at ');
    expect(tmuxServerRunning(town.socket)).toBe(false);
  });

  it('says so when the agent is already running', async () => {
    const town = await cliTown();
    await gtOk(['session', 'start', 'mayor'], { env: town.env });
    const again = await town.run('session', 'start', 'mayor');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'gt: session gt-mayor already exists\ngt: hint: gt session restart <identity> replaces it\n',
    );
    expect((await town.list()).map((s) => s.identity)).toEqual(['mayor']);
  });

  it('works under a locale that is not UTF-8 (a daemon started by a service manager)', async () => {
    // tmux prints the tabs of a -F format as `_` to a client whose locale is not UTF-8,
    // unless told with -u that the client takes UTF-8.
    const town = await cliTown();
    const env = { ...town.env, LC_ALL: 'C', LC_CTYPE: 'C', LANG: 'C' };
    await gtOk(['session', 'start', 'mayor'], { env });
    const sessions = JSON.parse(
      await gtOk(['session', 'list', '--json'], { env }),
    ) as SessionJson[];
    expect(sessions.map((s) => [s.identity, s.state])).toEqual([['mayor', 'alive']]);
    expect(sessions[0]?.pid).toBeGreaterThan(0);
    await gtOk(['session', 'restart', 'mayor'], { env });
    await gtOk(['session', 'stop', 'mayor'], { env });
    expect(await town.list()).toEqual([]);
  });
});

describe('gt attach', () => {
  it('explains when there is no such session, or no terminal', async () => {
    const town = await cliTown();
    const none = await town.run('attach', 'alpha/witness');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`gt: no session gt-alpha-witness on tmux socket ${town.socket}`);
    await gtOk(['session', 'start', 'alpha/witness'], { env: town.env });
    const noTty = await town.run('attach', 'alpha-witness');
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain('gt: gt attach needs a terminal');
  });

  it('attaches a terminal and returns when the user detaches', async () => {
    const town = await cliTown();
    await gtOk(['session', 'start', 'alpha/crew/max'], { env: town.env });
    // A terminal for gt: a pane of another private tmux server. A shell there notes gt's exit code.
    const outer = tmuxSocket();
    const exitFile = join(tempDir('attach'), 'exit-code');
    const vars = Object.entries(town.env).map(([k, v]) => `${k}=${v}`);
    const gtAttach = [process.execPath, GT_BIN, 'attach', 'alpha/crew/max'];
    const noteExit = ['sh', '-c', '"$@"; echo $? > "$0"', exitFile, 'env', '-u', 'TMUX', ...vars];
    execFileSync('tmux', [
      '-L',
      outer,
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '--',
      ...noteExit,
      ...gtAttach,
    ]);
    const host = new TmuxHost({ socket: town.socket });
    await waitFor(
      'gt attach to attach',
      async () => (await host.find('gt-alpha-crew-max'))?.attached === true,
    );
    execFileSync('tmux', ['-L', town.socket, 'detach-client', '-s', '=gt-alpha-crew-max:']);
    const status = await waitFor('gt attach to return', () => {
      const text = existsSync(exitFile) ? readFileSync(exitFile, 'utf8') : '';
      return text.endsWith('\n') && text.trim();
    });
    expect(status).toBe('0');
    expect(await host.liveness('gt-alpha-crew-max')).toBe('alive');
  });
});
