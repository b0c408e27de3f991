// Paths: no identity, name or message field, and no symlink planted in the town, makes gt read
// or write outside the town root. Files outside are snapshotted before and after.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitIn } from '../helpers/git.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, events, makeTown, runDaemon, starts, TINY_AGENT } from '../helpers/town.js';
import { queueRequest, wake } from './faults.js';
import type { Snapshot } from './helpers.js';
import { sessionPids, snapshotDiff, snapshotTree, townAt, withStore } from './helpers.js';

const MAX = 'alpha/crew/max';
const MAX_SESSION = 'gt-alpha-crew-max';

/** A folder beside the town with files an escape would touch: a clone, a state file, a log. */
function plantOutside(town: TestTown): { dir: string; snapshot: () => Snapshot } {
  const dir = join(dirname(town.root), 'outside');
  mkdirSync(dir, { recursive: true });
  gitIn(dir, 'clone', '--quiet', town.origin, join(dir, 'clone'));
  const asking = `${JSON.stringify({ requesting_cycle: true, requesting_time: new Date().toISOString() })}\n`;
  writeFileSync(join(dir, 'clone', 'state.json'), asking);
  writeFileSync(join(dir, 'state.json'), asking);
  writeFileSync(join(dir, 'victim.log'), 'precious\n');
  writeFileSync(join(dir, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  return { dir, snapshot: () => snapshotTree(dir) };
}

describe('identities and names never lead outside the town', () => {
  it('traversal and absolute paths in every field are refused; nothing outside changes', async () => {
    const town = await makeTown();
    const outside = plantOutside(town);
    const before = outside.snapshot();
    const escapes = [
      '../outside',
      '../../outside/clone',
      'alpha/crew/../../../outside/clone',
      'alpha/crew/..',
      'alpha/crew/.',
      `${outside.dir}/clone`,
      '/etc/passwd',
      '..',
      'alpha/../../outside',
      'alpha-crew-..',
      `alpha-crew-${'../'.repeat(5)}outside`,
      'alpha/crew/max/../../../../outside',
    ];
    for (const text of escapes) {
      for (const args of [
        ['mail', 'send', text, '-s', 'x'],
        ['mail', 'send', 'mayor', '-s', 'x', '--from', text],
        ['mail', 'inbox', text],
        ['mail', 'check', text],
        ['handoff', '--no-daemon', '--identity', text],
        ['session', 'start', text],
        ['session', 'stop', text],
        ['session', 'history', text],
        ['crew', 'add', text, '--rig', 'alpha'],
        ['crew', 'add', 'bob', '--rig', text],
        ['rig', 'add', text, town.origin],
        ['daemon', 'clear-backoff', text],
      ]) {
        const r = await town.gt(args);
        expect(r.code, `gt ${args.join(' ')}`).toBe(2);
      }
    }
    // The same through mail the daemon reads: requests from addresses that point outside.
    await withStore(town, async (store) => {
      for (const from of escapes)
        await store.sendMessage({
          from,
          to: 'deacon',
          subject: 'LIFECYCLE: x',
          body: 'cycle',
          priority: 'high',
          type: 'lifecycle',
          senderVerified: true,
        });
    });
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    const rejected = (await events(town)).filter((e) => e.kind === 'request.rejected');
    expect(rejected).toHaveLength(escapes.length);
    expect(snapshotDiff(before, outside.snapshot())).toEqual([]);
    // 156 gt processes one after another: more than the default limit on a busy machine.
  }, 120_000);
});

describe('symlinks planted in the town', () => {
  it('a crew folder that is a symlink to a clone outside: no session, no sync, no state there', async () => {
    const town = await makeTown({
      settings: { agents: { crew: { command: 'sleep 600', sync: true } } },
    });
    const outside = plantOutside(town);
    symlinkSync(join(outside.dir, 'clone'), join(town.root, 'alpha', 'crew', 'evil'));
    const before = outside.snapshot();
    const start = await town.gt(['session', 'start', 'alpha/crew/evil']);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toMatch(/^gt: .*outside the town/);
    const handoff = await town.gt(['handoff', '--no-daemon', '--identity', 'alpha/crew/evil'], {
      env: { GT_LIFECYCLE_REQUIRE_VERIFIED_SENDER: 'false' },
    });
    expect(handoff.code).not.toBe(0);
    expect(handoff.stderr).toMatch(/outside the town/);
    // A request for it reaches the daemon anyway (written straight to the store).
    await withStore(town, (store) =>
      store.sendMessage({
        from: 'alpha/crew/evil',
        to: 'deacon',
        subject: 'LIFECYCLE: alpha/crew/evil requesting cycle',
        body: 'cycle',
        priority: 'high',
        type: 'lifecycle',
        senderVerified: true,
      }),
    );
    await town.gtOk(['daemon', 'run', '--once', '--quiet']);
    expect(sessionPids(town).has('gt-alpha-crew-evil')).toBe(false);
    const last = (await events(town)).filter((e) => e.identity === 'alpha/crew/evil').pop();
    expect(last?.reason).toMatch(/outside the town/);
    expect(snapshotDiff(before, outside.snapshot())).toEqual([]);
  });

  it('a witness folder and a refinery clone symlinked outside are refused the same way', async () => {
    const town = await makeTown();
    const outside = plantOutside(town);
    const witness = join(town.root, 'alpha', 'witness');
    const rig = join(town.root, 'alpha', 'refinery', 'rig');
    rmSync(witness, { recursive: true });
    rmSync(rig, { recursive: true });
    symlinkSync(outside.dir, witness);
    symlinkSync(join(outside.dir, 'clone'), rig);
    const before = outside.snapshot();
    for (const who of ['alpha/witness', 'alpha/refinery']) {
      const r = await town.gt(['session', 'start', who]);
      expect(r.code, who).not.toBe(0);
      expect(r.stderr, who).toMatch(/outside the town/);
    }
    expect(snapshotDiff(before, outside.snapshot())).toEqual([]);
  });

  it('a state.json symlinked outside: handoff refuses, the daemon never follows it', async () => {
    const town = await makeTown({ settings: { lifecycle: { retry_backoff: '20ms' } } });
    const outside = plantOutside(town);
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    const id = await queueRequest(town, MAX);
    const file = join(town.root, 'alpha', 'crew', 'max', 'state.json');
    rmSync(file);
    symlinkSync(join(outside.dir, 'state.json'), file);
    const before = outside.snapshot();
    const pids = sessionPids(town);
    wake(daemon);
    await waitFor('the request to be dead-lettered', async () => {
      const m = await withStore(town, (s) => s.getMessage(id));
      return m?.status === 'dead' ? m : undefined;
    });
    const dead = await withStore(town, (s) => s.getMessage(id));
    expect(dead?.lastError).toMatch(/resolves to .* outside the town/);
    const handoff = await town.gt(['handoff', '--no-daemon'], {
      env: agentEnv(town, MAX, MAX_SESSION),
    });
    expect(handoff.code).toBe(1);
    expect(handoff.stderr).toMatch(/^gt: agent state .* outside the town/);
    expect(sessionPids(town)).toEqual(pids);
    expect(starts(town, MAX)).toHaveLength(1);
    expect(snapshotDiff(before, outside.snapshot())).toEqual([]);
  });

  it('daemon.log symlinked outside: the daemon writes nothing there', async () => {
    const town = await makeTown();
    const outside = plantOutside(town);
    symlinkSync(join(outside.dir, 'victim.log'), join(town.root, 'daemon', 'daemon.log'));
    const before = outside.snapshot();
    const r = await town.gt(['daemon', 'run', '--once', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gt: the daemon log .*daemon\.log is a symbolic link/);
    expect(readFileSync(join(outside.dir, 'victim.log'), 'utf8')).toBe('precious\n');
    expect(snapshotDiff(before, outside.snapshot())).toEqual([]);
  });

  it('a lock file planted as a symlink outside is never read or written through', async () => {
    const town = await makeTown();
    const outside = plantOutside(town);
    await town.gtOk(['session', 'start', MAX]);
    // A FIFO hangs whoever reads it: following the link would leave gt stuck.
    execFileSync('mkfifo', [join(outside.dir, 'fifo')]);
    const lock = join(town.root, 'alpha', 'crew', 'max', '.state.json.lock.tmp');
    for (const target of ['victim.log', 'fifo']) {
      symlinkSync(join(outside.dir, target), lock);
      const before = outside.snapshot();
      const r = await town.gt(['handoff', '--no-daemon', '--json'], {
        env: agentEnv(town, MAX, MAX_SESSION),
        timeoutMs: 15_000,
      });
      expect(r.code, `${target}: ${r.stderr}`).toBe(0);
      expect(snapshotDiff(before, outside.snapshot())).toEqual([]);
      expect(existsSync(lock)).toBe(false);
    }
  });
});

describe('a town deep in the tree', () => {
  it('a daemon socket path longer than a unix socket can name still works', async () => {
    const base = tempDir('deep');
    const root = join(base, 'a-rather-long-folder-name-for-a-town'.repeat(3), 'town');
    mkdirSync(dirname(root), { recursive: true });
    const town = await townAt(root, base);
    writeFileSync(
      join(root, 'settings', 'config.json'),
      JSON.stringify({
        daemon: { keep_alive: [] },
        agents: { crew: { command: TINY_AGENT, sync: false } },
      }),
    );
    expect(Buffer.byteLength(join(root, 'daemon', 'daemon.sock'))).toBeGreaterThan(108);
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--json', '--wait', '--timeout', '20s'], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as { daemon_poked: boolean; outcome: string };
    expect(out).toMatchObject({ daemon_poked: true, outcome: 'done' });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
