// Two towns on one machine: each has its own tmux server by default, runs a whole cycle
// side by side with the other, and never touches the other's sessions, even when both are
// pointed at one shared server.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { townSocket } from '../../src/town/tmux-socket.js';
import type { RunOptions } from '../helpers/cli.js';
import { gt, gtOk } from '../helpers/cli.js';
import { makeOrigin } from '../helpers/git.js';
import { killTmuxServer, onCleanup, tempDir, tmuxSocket } from '../helpers/temp.js';
import { TINY_AGENT } from '../helpers/town.js';
import { writeFileSync } from 'node:fs';

interface Town {
  root: string;
  socket: string;
  ok(args: readonly string[], opts?: RunOptions): Promise<string>;
  run: typeof gt;
}

/** A town whose tmux socket is `socket` (undefined: its own, derived, the default). */
async function town(name: string, socket?: string): Promise<Town> {
  const base = tempDir(name);
  const root = join(base, name);
  const env: Record<string, string> = { GT_TOWN_ROOT: root };
  if (socket !== undefined) env.GT_TMUX_SOCKET = socket;
  const withEnv = (opts: RunOptions = {}): RunOptions => ({
    ...opts,
    env: { ...env, ...opts.env },
  });
  await gtOk(['install', root], withEnv());
  await gtOk(['rig', 'add', 'alpha', makeOrigin(base), '--crew', 'max'], withEnv());
  const agent = { command: TINY_AGENT };
  const settings = {
    lifecycle: { retry_backoff: '50ms' },
    agents: { mayor: agent, crew: { ...agent, sync: false } },
  };
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(settings));
  const actual = socket ?? townSocket(root, 'auto');
  onCleanup(() => killTmuxServer(actual));
  onCleanup(() => gt(['daemon', 'stop'], withEnv()));
  return {
    root,
    socket: actual,
    ok: (args, opts) => gtOk(args, withEnv(opts)),
    run: (args, opts) => gt(args, withEnv(opts)),
  };
}

function sessions(socket: string): Map<string, string> {
  const out = execFileSync(
    'tmux',
    ['-L', socket, 'list-sessions', '-F', '#{session_name}\t#{@gt_town}'],
    { encoding: 'utf8' },
  );
  return new Map(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('\t') as [string, string]),
  );
}

function paneEnv(socket: string, session: string, name: string): string {
  const out = execFileSync('tmux', ['-L', socket, 'show-environment', '-t', session, name], {
    encoding: 'utf8',
  });
  return out.trim().replace(`${name}=`, '');
}

describe('two towns on one machine', () => {
  it('each has its own tmux server and runs a full cycle without touching the other', async () => {
    const [a, b] = await Promise.all([town('one'), town('two')]);
    expect(a.socket).not.toBe(b.socket);
    for (const t of [a, b]) {
      await t.ok(['session', 'start', 'mayor']);
      await t.ok(['session', 'start', 'alpha/crew/max']);
    }
    const before = sessions(a.socket);
    // The second town restarts its mayor: the first town's mayor is the same session after.
    await b.ok(['session', 'restart', 'mayor']);
    expect(sessions(a.socket)).toEqual(before);
    expect(paneEnv(a.socket, 'gt-mayor', 'GT_TOWN_ROOT')).toBe(a.root);
    // A whole cycle in each town at once, each carried out by its own daemon.
    const cycle = async (t: Town): Promise<unknown> => {
      const env = {
        GT_ROLE: 'alpha/crew/max',
        GT_AGENT_TOKEN: paneEnv(t.socket, 'gt-alpha-crew-max', 'GT_AGENT_TOKEN'),
      };
      return JSON.parse(await t.ok(['handoff', '-m', 'next', '--wait', '--json'], { env }));
    };
    const [ra, rb] = await Promise.all([cycle(a), cycle(b)]);
    expect(ra).toMatchObject({ outcome: 'done' });
    expect(rb).toMatchObject({ outcome: 'done' });
    for (const t of [a, b]) {
      for (const [, marked] of sessions(t.socket)) expect(marked).toBe(t.root);
      expect(paneEnv(t.socket, 'gt-alpha-crew-max', 'GT_TOWN_ROOT')).toBe(t.root);
    }
    expect(sessions(a.socket).get('gt-mayor')).toBe(a.root);
  });

  it('on one shared server, a town leaves the other town’s session of the same name alone', async () => {
    const shared = tmuxSocket();
    const [a, b] = await Promise.all([town('first', shared), town('second', shared)]);
    await a.ok(['session', 'start', 'mayor']);
    const pid = execFileSync(
      'tmux',
      ['-L', shared, 'display-message', '-p', '-t', '=gt-mayor:', '#{pane_pid}'],
      {
        encoding: 'utf8',
      },
    ).trim();
    for (const args of [
      ['session', 'restart', 'mayor'],
      ['session', 'stop', 'mayor'],
      ['session', 'start', 'mayor'],
    ]) {
      const r = await b.run(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/belongs to another town|already exists/);
    }
    const list = JSON.parse(await b.ok(['session', 'list', '--json'])) as unknown[];
    expect(list).toEqual([]);
    const after = execFileSync(
      'tmux',
      ['-L', shared, 'display-message', '-p', '-t', '=gt-mayor:', '#{pane_pid}'],
      { encoding: 'utf8' },
    ).trim();
    expect(after).toBe(pid);
    expect(paneEnv(shared, 'gt-mayor', 'GT_TOWN_ROOT')).toBe(a.root);
  });
});
