// One daemon per town, the right one, whoever starts it: concurrent commands that each find no
// daemon all succeed and leave one; a daemon started from inside an agent's session carries none
// of the agent's variables; a supervised daemon takes over from an unsupervised one; where a
// unit is installed the start goes through systemctl; a town removed ends its daemon.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unitName } from '../../src/daemon/supervisor.js';
import { NOT_FOR_A_DAEMON } from '../../src/daemon/environment.js';
import { alive, daemonsOf, environOf, fakeSystemd } from '../helpers/fake-systemd.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { makeTown, runDaemon } from '../helpers/town.js';

interface Status {
  running: boolean;
  pid: number | null;
  supervised?: boolean;
}

async function status(town: TestTown): Promise<Status> {
  return JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as Status;
}

/** What an agent's own shell has: its identity and secret, and its tmux pane. */
const AGENT_VARS = {
  GT_ROLE: 'alpha/crew/max',
  BD_ACTOR: 'alpha/crew/max',
  GT_AGENT_TOKEN: 'secret-of-max',
  GT_SESSION: 'gt-alpha-crew-max',
  GT_RIG: 'alpha',
  GT_CREW: 'max',
  TMUX: '/tmp/tmux-0/gt-x,123,0',
  TMUX_PANE: '%3',
  CLAUDECODE: '1',
};

describe('one daemon, whoever starts it', () => {
  it('four gt nudge at once on a town with no daemon: all exit 0, one daemon serves', async () => {
    const town = await makeTown();
    const runs = await Promise.all(
      [1, 2, 3, 4].map((i) => town.gt(['nudge', 'alpha/crew/max', `prompt ${i}`])),
    );
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    const { pid } = await status(town);
    await waitFor('the losers of the race to exit', () => daemonsOf(town.root).length === 1);
    expect(daemonsOf(town.root)).toEqual([pid]);
    const list = JSON.parse(await town.gtOk(['nudge', '--list', '--json'])) as unknown[];
    expect(list).toHaveLength(4);
  });

  it('a daemon started from inside an agent’s session has none of its variables, and runs in the town', async () => {
    const town = await makeTown();
    const cwd = join(town.root, 'alpha', 'crew', 'max');
    const out = await town.gt(['nudge', 'mayor', 'hello from max'], { env: AGENT_VARS, cwd });
    expect(out.code, out.stderr).toBe(0);
    const { pid } = await status(town);
    expect(pid).not.toBeNull();
    const env = environOf(pid ?? 0);
    for (const name of Object.keys(AGENT_VARS)) expect(env[name], name).toBeUndefined();
    expect(NOT_FOR_A_DAEMON).toEqual(expect.arrayContaining(Object.keys(AGENT_VARS)));
    expect(env.GT_TOWN_ROOT).toBe(town.root);
  });
});

describe('a supervised daemon', () => {
  it('takes the town over from an unsupervised one, which finishes and exits 0', async () => {
    const town = await makeTown();
    const first = await runDaemon(town);
    const second = await runDaemon(town, {}, ['--supervised']);
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/received SIGTERM/);
    expect(second.output()).toMatch(/taking over from an unsupervised daemon/);
    expect(await status(town)).toMatchObject({ pid: second.child.pid, supervised: true });
  });

  it('is not taken over by another supervised one, nor by an unsupervised one', async () => {
    const town = await makeTown();
    const held = await runDaemon(town, {}, ['--supervised']);
    for (const extra of [['--supervised'], []]) {
      const other = await town.gt(['daemon', 'run', ...extra]);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/a daemon is already running/);
    }
    expect(await status(town)).toMatchObject({ pid: held.child.pid, supervised: true });
  });
});

/** A town whose unit is installed where the fake manager finds it. */
async function supervisedTown(broken = false): Promise<{
  town: TestTown;
  systemd: ReturnType<typeof fakeSystemd>;
  env: Record<string, string>;
}> {
  const town = await makeTown();
  const systemd = fakeSystemd({
    env: { ...town.env, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/' },
    broken,
  });
  const env = {
    PATH: `${systemd.binDir}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: systemd.configHome,
  };
  const unit = join(systemd.configHome, 'systemd', 'user', unitName(town.root));
  mkdirSync(join(unit, '..'), { recursive: true });
  writeFileSync(
    unit,
    (await town.gtOk(['daemon', 'enable-supervisor', '--print'], { env })).trim(),
  );
  return { town, systemd, env };
}

describe('a town with a supervisor unit installed', () => {
  it('gt nudge from an agent starts the daemon through systemctl --user start: the supervised one serves', async () => {
    const { town, systemd, env } = await supervisedTown();
    const out = await town.gt(['nudge', 'mayor', 'wake up'], { env: { ...env, ...AGENT_VARS } });
    expect(out.code, out.stderr).toBe(0);
    expect(systemd.calls()).toEqual([
      { args: ['--user', 'start', unitName(town.root)], callerRole: 'alpha/crew/max' },
    ]);
    const s = await status(town);
    expect(s).toMatchObject({ running: true, supervised: true });
    expect(systemd.daemonPids()).toEqual([s.pid]);
    expect(environOf(s.pid ?? 0).GT_ROLE).toBeUndefined();
  });

  it('enable-supervisor over a running daemon: the service’s daemon takes over', async () => {
    const { town, systemd, env } = await supervisedTown();
    const old = await runDaemon(town);
    const out = JSON.parse(await town.gtOk(['daemon', 'enable-supervisor', '--json'], { env })) as {
      enabled: boolean;
      note: string;
    };
    expect(out.enabled).toBe(true);
    expect(out.note).toMatch(new RegExp(`takes over from pid ${old.child.pid}`));
    expect(await old.exited).toBe(0);
    await waitFor('the service’s daemon', async () => (await status(town)).supervised === true);
    expect(systemd.daemonPids()).toEqual([(await status(town)).pid]);
  });

  it('a manager that cannot be reached: a daemon started here instead, and said so', async () => {
    const { town, env } = await supervisedTown(true);
    const out = await town.gt(['nudge', 'mayor', 'wake up'], { env });
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(
      /systemctl --user start .*: Failed to connect to bus.*; starting one here/,
    );
    expect(await status(town)).toMatchObject({ running: true, supervised: false });
  });
});

describe('a daemon whose town is gone', () => {
  it('the whole folder removed while it serves: it exits within two heartbeats', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '1s' } } });
    const daemon = await runDaemon(town);
    rmSync(town.root, { recursive: true, force: true });
    const exit = await Promise.race([
      daemon.exited,
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 2_500)),
    ]);
    expect(exit).toBe(0);
  });

  it('removed and made again at the same path: not its town any more, it exits', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '300ms' } } });
    const daemon = await runDaemon(town);
    const marker = join(town.root, 'mayor', 'town.json');
    rmSync(marker);
    writeFileSync(marker, JSON.stringify({ type: 'town', version: 1, name: 'again' }));
    expect(await daemon.exited).toBe(0);
    expect(alive(daemon.child.pid ?? 0)).toBe(false);
  });
});
