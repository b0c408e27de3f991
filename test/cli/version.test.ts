// gt version, and what status says of a daemon of another build: each part with its version,
// from a real town, a real daemon, and (for the older daemon) a stand-in holding the real lock.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/daemon/lock.js';
import { GT_VERSION } from '../../src/version.js';
import { onCleanup } from '../helpers/temp.js';
import { makeTown } from '../helpers/town.js';

interface Versions {
  gt: { version: string; build: string };
  node: string;
  tmux: string;
  daemon: { pid: number; version: string | null; build: string | null } | null;
  store: { backend: string; schema: number | null; gt_schema: number };
  agents: Array<{ roles: string[]; program: string; runtime: string }>;
}

describe('gt version', () => {
  it('gt, its build, the daemon’s, the store’s schema, Node, tmux and the roles’ programs', async () => {
    const town = await makeTown({ settings: { daemon: { host: hostname() } } });
    await town.gtOk(['status']); // the store made
    let v = JSON.parse(await town.gtOk(['version', '--json'])) as Versions;
    expect(v.gt.version).toBe(GT_VERSION);
    expect(v.gt.build).toMatch(/^[0-9a-f]{16}$/);
    expect(v.node).toBe(process.version);
    expect(v.tmux).toMatch(/^tmux \d/);
    expect(v.daemon).toBeNull();
    expect(v.store).toMatchObject({ backend: 'sqlite' });
    expect(v.store.schema).toBe(v.store.gt_schema);
    expect(v.agents.flatMap((a) => a.roles).sort()).toEqual([
      'crew',
      'deacon',
      'mayor',
      'refinery',
      'witness',
    ]);
    const { pid } = JSON.parse(await town.gtOk(['daemon', 'start', '--json'])) as { pid: number };
    try {
      v = JSON.parse(await town.gtOk(['version', '--json'])) as Versions;
      expect(v.daemon).toEqual({ pid, version: GT_VERSION, build: v.gt.build });
      const text = await town.gtOk(['version']);
      expect(text).toMatch(new RegExp(`^gt ${GT_VERSION} \\(build ${v.gt.build}\\)\\nnode v`));
      expect(text).toMatch(
        new RegExp(`daemon: pid ${pid}, gt ${GT_VERSION} \\(build ${v.gt.build}\\)\\n`),
      );
    } finally {
      await town.gtOk(['daemon', 'stop']);
    }
  });

  it('a daemon of an older gt is named in gt status and gt daemon status (stand-in holding the real lock)', async () => {
    const town = await makeTown({ settings: { daemon: { host: hostname() } } });
    const lock = await acquireLock(town.root, hostname(), {
      pid: process.pid,
      town: town.root,
      startedAt: Date.now(),
    });
    onCleanup(() => lock.release());
    const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
      same_build: boolean;
      build: null;
    };
    expect(status).toMatchObject({ same_build: false, build: null });
    expect(await town.gtOk(['daemon', 'status'])).toMatch(
      /it runs another gt \(an older version, build unknown\) than this one .*gt daemon restart to hand over/,
    );
    expect(await town.gtOk(['version'])).toMatch(
      /daemon: pid \d+, gt \(older, unknown\) \(build unknown\): another build than this gt \(gt daemon restart\)/,
    );
  });
});
