// Faults: tmux dying mid-action, a store locked by another process, a read-only town, broken
// state files, a git remote gone during sync, a full disk. Each must end in a clear event and
// log line, the request retried or closed as the design says, the daemon still up, nothing lost.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, events, makeTown, runDaemon, starts, TINY_AGENT } from '../helpers/town.js';
import {
  bindReadOnly,
  fillDisk,
  freeDisk,
  gtWithoutSpace,
  limitFileSize,
  unlimitFileSize,
  lockStore,
  messageStatus,
  mountTmpfs,
  queueRequest,
  wake,
} from './faults.js';
import { CAN_MOUNT, loggingAgent, sessionPids, startsIn, storePath, townAt } from './helpers.js';
import Database from 'better-sqlite3';

const MAX = 'alpha/crew/max';
const MAX_SESSION = 'gt-alpha-crew-max';
/** An agent that notes the SIGTERM of a stop and outlives it, so a test can act mid-stop. */
const STUBBORN_AGENT = `echo "$GT_ROLE $$" >> "$GT_TOWN_ROOT/starts.log"; trap 'echo "$GT_ROLE term" >> "$GT_TOWN_ROOT/terms.log"' TERM; while :; do sleep 0.1; done`;

function stateOf(town: TestTown): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(town.root, 'alpha', 'crew', 'max', 'state.json'), 'utf8'),
  ) as Record<string, unknown>;
}

function requesting(state: Record<string, unknown>): string[] {
  return Object.keys(state).filter((k) => k.startsWith('requesting_'));
}

async function settled(town: TestTown, id: string, timeoutMs = 20_000) {
  return waitFor(
    `request ${id} to settle`,
    async () => {
      const m = await messageStatus(town, id);
      return m.status === 'done' || m.status === 'dead' ? m : undefined;
    },
    timeoutMs,
    50,
  );
}

function logText(town: TestTown): string {
  return readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8');
}

describe('tmux server killed mid-action', () => {
  it('the cycle still completes once, with an event and a log line; the daemon stays up', async () => {
    const town = await makeTown({
      settings: { agents: { crew: { command: STUBBORN_AGENT, sync: false } } },
    });
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('the agent to start', () => starts(town, MAX).length === 1);
    const daemon = await runDaemon(town);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--json'], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as { message_id: string };
    // The daemon has sent SIGTERM and waits out the agent's grace: kill the whole tmux server now.
    await waitFor('the stop to begin', () => existsSync(join(town.root, 'terms.log')));
    execFileSync('tmux', ['-L', town.socket, 'kill-server']);
    const msg = await settled(town, out.message_id);
    expect(msg).toMatchObject({ status: 'done', outcome: 'done' });
    await waitFor('the new agent', () => starts(town, MAX).length === 2);
    expect(sessionPids(town).has(MAX_SESSION)).toBe(true);
    expect(requesting(stateOf(town))).toEqual([]);
    const done = (await events(town)).filter((e) => e.kind === 'request.done');
    expect(done).toMatchObject([{ identity: MAX, action: 'cycle', outcome: 'done' }]);
    expect(logText(town)).toMatch(/"msg":"request.done".*"identity":"alpha\/crew\/max"/);
    expect(daemon.child.exitCode).toBeNull();
    expect(starts(town, MAX)).toHaveLength(2);
  });
});

describe('store locked by another process (sqlite3 holding BEGIN IMMEDIATE)', () => {
  it('gt mail send waits out the busy timeout, then says so in words (GT_STORE_BUSY), never raw', async () => {
    const town = await makeTown({ settings: { store: { busy_timeout: '400ms' } } });
    const lock = await lockStore(town);
    const began = Date.now();
    const sent = await town.gt(['mail', 'send', 'mayor', '-s', 'hello', '-m', 'while locked']);
    const waited = Date.now() - began;
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(
      /^gt: the store .*town\.db stayed locked by another process while saving the message\n/,
    );
    expect(sent.stderr).not.toMatch(/database is locked|SQLITE_BUSY/i);
    expect(waited).toBeGreaterThanOrEqual(400);
    // Reading goes on under a writer's lock (WAL); nothing was half-written.
    const inbox = await town.gt(['mail', 'inbox', 'mayor', '--json']);
    expect(inbox.code).toBe(0);
    expect(JSON.parse(inbox.stdout)).toEqual([]);
    await lock.release();
    await town.gtOk(['mail', 'send', 'mayor', '-s', 'hello', '-m', 'after']);
    expect(JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json']))).toHaveLength(1);
  });

  it('the daemon finds the store locked: logs it, retries by itself, and acts once when free', async () => {
    const town = await makeTown({ settings: { store: { busy_timeout: '300ms' } } });
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    const id = await queueRequest(town, MAX);
    const lock = await lockStore(town);
    wake(daemon);
    await waitFor('the daemon to log the locked store', () =>
      /stayed locked by another process/.test(logText(town)),
    );
    expect(logText(town)).not.toMatch(/database is locked/);
    await lock.release();
    // No poke, no heartbeat (30 s): the daemon must come back by itself.
    const msg = await settled(town, id, 10_000);
    expect(msg).toMatchObject({ status: 'done', outcome: 'done' });
    await waitFor('the new agent', () => starts(town, MAX).length === 2);
    expect(daemon.child.exitCode).toBeNull();
    const kinds = (await events(town)).map((e) => e.kind);
    expect(kinds).toContain('daemon.recovered');
    expect(kinds.filter((k) => k === 'request.done')).toHaveLength(1);
  });

  it('locked while the daemon acts: the request is settled once the store is free, acted once', async () => {
    const town = await makeTown({
      settings: {
        store: { busy_timeout: '300ms' },
        agents: { crew: { command: STUBBORN_AGENT, sync: false } },
      },
    });
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    const id = await queueRequest(town, MAX);
    wake(daemon);
    // The daemon is stopping the agent (waiting out its grace): lock the store under it.
    await waitFor('the stop to begin', () => existsSync(join(town.root, 'terms.log')));
    const lock = await lockStore(town);
    await waitFor(
      'the daemon to hit the lock',
      () => /stayed locked by another process/.test(logText(town)),
      15_000,
    );
    await lock.release();
    const msg = await settled(town, id, 15_000);
    expect(msg).toMatchObject({ status: 'done' });
    expect(msg.outcome).toMatch(/^done/);
    await waitFor('the agent running again', () => sessionPids(town).has(MAX_SESSION));
    expect(starts(town, MAX)).toHaveLength(2);
    expect(requesting(stateOf(town))).toEqual([]);
    expect(daemon.child.exitCode).toBeNull();
  });
});

describe(`read-only town folder (${CAN_MOUNT ? 'read-only bind mount' : 'no mount here: chmod a-w stands in'})`, () => {
  it('commands say so plainly; the daemon retries the request and finishes it once the town is writable', async () => {
    const town = await makeTown({
      settings: { lifecycle: { retry_backoff: '300ms', max_attempts: 6 } },
    });
    const log = join(tempDir('outside'), 'starts.log');
    writeFileSync(
      join(town.root, 'settings', 'config.json'),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(town.root, 'settings', 'config.json'), 'utf8')),
        agents: { crew: { command: loggingAgent(log), sync: false } },
      }),
    );
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    const id = await queueRequest(town, MAX);
    const ro = readOnly(town.root);
    wake(daemon);
    await waitFor('a retry of the request', () => /request\.retry/.test(daemon.output()), 10_000);
    // The daemon has replaced the session already (only clearing the request failed).
    const env = agentEnv(town, MAX, MAX_SESSION);
    expect(daemon.output()).toMatch(/request\.retry .*alpha\/crew\/max.*(EROFS|EACCES|read-only)/);
    // gt itself: the daemon, its store opened before, may still write to it, and answers.
    const sent = await town.gt(['mail', 'send', 'mayor', '-s', 'hi'], {
      env: { GT_HOOK_VIA_DAEMON: 'off' },
    });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(/^gt: (cannot use the store|the store)/);
    const handoff = await town.gt(['handoff', '--no-daemon'], { env });
    expect(handoff.code).toBe(1);
    expect(handoff.stderr).toMatch(/^gt: cannot (lock|write) agent state .*state\.json/);
    ro.undo();
    const msg = await settled(town, id, 15_000);
    expect(msg).toMatchObject({ status: 'done' });
    expect(startsIn(log, MAX)).toHaveLength(2);
    expect(requesting(stateOf(town))).toEqual([]);
    expect(daemon.child.exitCode).toBeNull();
  });
});

/** The town made read-only: a read-only bind mount where we may mount, else chmod a-w. */
function readOnly(root: string): { undo(): void } {
  if (CAN_MOUNT) return bindReadOnly(root);
  const dirs = execFileSync('find', [root, '-type', 'd'], { encoding: 'utf8' }).trim().split('\n');
  for (const d of dirs) execFileSync('chmod', ['a-w', d]);
  return {
    undo: () => {
      for (const d of dirs) execFileSync('chmod', ['u+w', d]);
    },
  };
}

describe('broken agent state files', () => {
  const cases = [
    {
      name: 'corrupt',
      breakIt: (file: string) => writeFileSync(file, '{"requesting_cycle": tru'),
      expectStatus: 'dead',
      reason: /agent state .* is corrupt: not valid JSON/,
    },
    {
      name: 'missing',
      breakIt: (file: string) => rmSync(file),
      expectStatus: 'done',
      reason: /stale: requesting_cycle is not set/,
    },
    {
      name: 'a directory',
      breakIt: (file: string) => {
        rmSync(file);
        mkdirSync(file);
      },
      expectStatus: 'dead',
      reason: /it is a directory/,
    },
  ];
  it.each(cases)(
    'state file $name: the request never touches the session, ends with its reason',
    async ({ breakIt, expectStatus, reason }) => {
      const town = await makeTown({
        settings: { lifecycle: { retry_backoff: '20ms', max_attempts: 3 } },
      });
      await town.gtOk(['session', 'start', MAX]);
      const daemon = await runDaemon(town);
      const id = await queueRequest(town, MAX);
      const file = join(town.root, 'alpha', 'crew', 'max', 'state.json');
      breakIt(file);
      const before = existsSync(file) ? snapshotOf(file) : 'none';
      const pids = sessionPids(town);
      wake(daemon);
      const msg = await settled(town, id);
      expect(msg.status).toBe(expectStatus);
      expect(`${msg.outcome ?? ''} ${msg.error ?? ''}`).toMatch(reason);
      const kinds = (await events(town))
        .filter((e) => e.identity === MAX && e.kind !== 'agent.activity')
        .map((e) => e.kind);
      expect(kinds[kinds.length - 1]).toBe(
        expectStatus === 'dead' ? 'request.dead' : 'request.rejected',
      );
      expect(logText(town)).toMatch(
        expectStatus === 'dead' ? /request\.dead/ : /request\.rejected/,
      );
      expect(sessionPids(town)).toEqual(pids);
      expect(starts(town, MAX)).toHaveLength(1);
      expect(existsSync(file) ? snapshotOf(file) : 'none').toBe(before);
      expect(daemon.child.exitCode).toBeNull();
    },
  );

  it('gt handoff with a corrupt state file refuses, writes nothing, mails nothing', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    const file = join(town.root, 'alpha', 'crew', 'max', 'state.json');
    writeFileSync(file, '[1, 2');
    const out = await town.gt(['handoff', '--no-daemon'], {
      env: agentEnv(town, MAX, MAX_SESSION),
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^gt: agent state .*state\.json is corrupt/);
    expect(readFileSync(file, 'utf8')).toBe('[1, 2');
    expect(JSON.parse(await town.gtOk(['mail', 'inbox', 'deacon', '--json']))).toEqual([]);
  });
});

function snapshotOf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

describe('git remote gone during workspace sync (crew with sync on)', () => {
  it('sync fails with an event, the session still starts, local work is kept', async () => {
    const town = await makeTown({
      settings: { agents: { crew: { command: TINY_AGENT, sync: true } } },
    });
    await town.gtOk(['session', 'start', MAX]);
    const clone = join(town.root, 'alpha', 'crew', 'max');
    writeFileSync(join(clone, 'README.md'), '# local edit, not committed\n');
    writeFileSync(join(clone, 'notes.txt'), 'untracked work\n');
    renameSync(town.origin, `${town.origin}.gone`);
    const daemon = await runDaemon(town);
    const out = await town.gt(['handoff', '--no-daemon', '--wait', '--json'], {
      env: agentEnv(town, MAX, MAX_SESSION),
    });
    expect(JSON.parse(out.stdout)).toMatchObject({ status: 'done', outcome: 'done' });
    const sync = (await events(town)).filter((e) => e.kind === 'workspace.sync');
    expect(sync).toMatchObject([{ identity: MAX, outcome: 'failed' }]);
    expect(sync[0]?.reason).toMatch(/git fetch failed/);
    expect(logText(town)).toMatch(/"msg":"workspace.sync".*"outcome":"failed"/);
    expect(readFileSync(join(clone, 'README.md'), 'utf8')).toBe('# local edit, not committed\n');
    expect(readFileSync(join(clone, 'notes.txt'), 'utf8')).toBe('untracked work\n');
    await waitFor('the new agent', () => starts(town, MAX).length === 2);
    expect(daemon.child.exitCode).toBeNull();
  });

  it('with sync.required the request is retried, and completes once the remote is back', async () => {
    const town = await makeTown({
      settings: {
        agents: { crew: { command: TINY_AGENT, sync: true } },
        sync: { required: true },
        lifecycle: { retry_backoff: '300ms', max_attempts: 6 },
      },
    });
    await town.gtOk(['session', 'start', MAX]);
    renameSync(town.origin, `${town.origin}.gone`);
    const daemon = await runDaemon(town);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--json'], {
        env: agentEnv(town, MAX, MAX_SESSION),
      }),
    ) as { message_id: string };
    await waitFor('a retry', async () =>
      (await events(town)).some((e) => e.kind === 'request.retry'),
    );
    const retry = (await events(town)).find((e) => e.kind === 'request.retry');
    expect(retry?.reason).toMatch(/workspace sync failed/);
    renameSync(`${town.origin}.gone`, town.origin);
    const msg = await settled(town, out.message_id, 15_000);
    expect(msg).toMatchObject({ status: 'done', outcome: 'done' });
    await waitFor('the new agent', () => starts(town, MAX).length === 2);
    expect(daemon.child.exitCode).toBeNull();
  });
});

/**
 * A full disk: a small tmpfs filled to the last byte where we may mount; elsewhere the closest
 * real thing, RLIMIT_FSIZE=0 (writes that need new space fail, EFBIG instead of ENOSPC), set on
 * the running daemon with prlimit and on each command with ulimit.
 */
const FULL = CAN_MOUNT
  ? {
      label: 'a small tmpfs filled to the last byte',
      store: /^gt: the disk holding .*town\.db is full while saving the message\n/,
      state: /^gt: cannot (write|lock) agent state .*ENOSPC: no space left on device/,
      daemon: /is full/,
    }
  : {
      label: 'no mount here: RLIMIT_FSIZE=0 stands in',
      store: /^gt: (the disk holding .* is full|store error while .*: disk I\/O error)/,
      state: /^gt: (store error while .*: disk I\/O error|cannot (write|lock) agent state .*EFBIG)/,
      daemon: /pass failed/,
    };

describe(`disk full (${FULL.label})`, () => {
  it('commands say the disk is full; the daemon logs it, retries, and acts once when space is back', async () => {
    const base = tempDir('full');
    const mnt = join(base, 'mnt');
    if (CAN_MOUNT) mountTmpfs(mnt, '32m');
    else mkdirSync(mnt);
    const town = await townAt(join(mnt, 'town'), base);
    const log = join(base, 'starts.log');
    writeFileSync(
      join(town.root, 'settings', 'config.json'),
      JSON.stringify({
        daemon: { heartbeat: '30s', keep_alive: [] },
        lifecycle: { retry_backoff: '200ms', max_attempts: 10 },
        agents: { crew: { command: loggingAgent(log), sync: false } },
      }),
    );
    await town.gtOk(['session', 'start', MAX]);
    const daemon = await runDaemon(town);
    const id = await queueRequest(town, MAX);
    const env = agentEnv(town, MAX, MAX_SESSION);
    // An empty WAL: every write now needs new space.
    const db = new Database(storePath(town));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const full = CAN_MOUNT ? fillDisk(mnt) : limitFileSize(daemon.child.pid ?? 0);
    const run = (args: string[], extra: Record<string, string> = {}) =>
      CAN_MOUNT ? town.gt(args, { env: extra }) : gtWithoutSpace(town, args, extra);
    const sent = await run(['mail', 'send', 'mayor', '-s', 'hi']);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(FULL.store);
    expect(sent.stderr).not.toMatch(/SQLITE_|database or disk is full|^gt: E[A-Z]+:/);
    const handoff = await run(['handoff', '--no-daemon'], env);
    expect(handoff.code).toBe(1);
    expect(handoff.stderr).toMatch(FULL.state);
    expect(handoff.stderr).not.toMatch(/SQLITE_|^gt: E[A-Z]+:/);
    wake(daemon);
    await waitFor('the daemon to log the failure', () => FULL.daemon.test(daemon.output()), 10_000);
    if (CAN_MOUNT) freeDisk(full as string);
    else unlimitFileSize(daemon.child.pid ?? 0);
    const msg = await settled(town, id, 15_000);
    expect(msg).toMatchObject({ status: 'done' });
    expect(msg.outcome).toMatch(/^done/);
    expect(startsIn(log, MAX)).toHaveLength(2);
    expect(requesting(stateOf(town))).toEqual([]);
    expect(daemon.child.exitCode).toBeNull();
    expect((await events(town)).map((e) => e.kind)).toContain('daemon.recovered');
  });
});
