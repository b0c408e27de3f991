// The state file's lock: concurrent writers (other processes and this one) lose no
// field, a dead writer's lock is broken, a live one is waited for with a bounded wait.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  AgentStateError,
  lockFilePath,
  readAgentState,
  setRequesting,
  updateAgentState,
} from '../../src/state/agent-state.js';
import type { Identity } from '../../src/town/identity.js';
import { stateFilePath } from '../../src/town/identity.js';
import { gitIn } from '../helpers/git.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const MAYOR: Identity = { role: 'mayor' };
const NOW = new Date('2025-03-04T05:06:07.000Z');
const SRC = resolve(import.meta.dirname, '../../src/state/agent-state.ts');

function town(): { root: string; file: string; lock: string } {
  const root = tempDir('lock');
  mkdirSync(join(root, 'mayor'));
  const file = stateFilePath(root, MAYOR);
  return { root, file, lock: lockFilePath(file) };
}

/** A pid that certainly belonged to a process and certainly is not running now. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (pid === undefined) throw new Error('could not start a short-lived process');
  return pid;
}

/** Bundles a worker that adds `count` fields named `<who>_<i>` to the mayor's state, one update each. */
async function bundleWorker(dir: string): Promise<string> {
  const outfile = join(dir, 'worker.mjs');
  await build({
    stdin: {
      contents: `
        import { updateAgentState } from ${JSON.stringify(SRC)};
        const [root, who, count] = process.argv.slice(2);
        for (let i = 0; i < Number(count); i++) {
          await updateAgentState(root, { role: 'mayor' }, (s) => ({ ...s, [who + '_' + i]: i }), { lockTimeoutMs: 60000 });
        }`,
      resolveDir: import.meta.dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function runNode(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('concurrent writers', () => {
  it('20 processes doing read-modify-write at once lose no field', async () => {
    const { root } = town();
    const worker = await bundleWorker(tempDir('worker'));
    const writers = 20;
    const each = 15;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) => runNode([worker, root, `w${w}`, String(each)])),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const state = readAgentState(root, MAYOR);
    expect(Object.keys(state)).toHaveLength(writers * each);
    for (let w = 0; w < writers; w++)
      for (let i = 0; i < each; i++) expect(state[`w${w}_${i}`]).toBe(i);
  });

  it('overlapping async updates in one process lose no field', async () => {
    const { root, lock } = town();
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        updateAgentState(root, MAYOR, async (s) => {
          await sleep(1); // give every other update the chance to read the same old state
          return { ...s, [`f${n}`]: n };
        }),
      ),
    );
    expect(Object.keys(readAgentState(root, MAYOR)).sort()).toEqual(
      Array.from({ length: 20 }, (_, n) => `f${n}`).sort(),
    );
    expect(existsSync(lock)).toBe(false);
  });
});

describe('the lock file', () => {
  it('a dead writer’s lock is broken', async () => {
    const { root, lock } = town();
    writeFileSync(lock, `${deadPid()} 0123456789abcdef\n`);
    await setRequesting(root, MAYOR, 'cycle', 'r1', NOW, { lockTimeoutMs: 5_000 });
    expect(readAgentState(root, MAYOR)).toMatchObject({ requesting_cycle: true });
    expect(existsSync(lock)).toBe(false);
  });

  it('a live writer’s lock is waited for, then a clear timeout error', async () => {
    const { root, lock } = town();
    writeFileSync(lock, `${process.pid} 0123456789abcdef\n`);
    const started = Date.now();
    const attempt = setRequesting(root, MAYOR, 'cycle', 'r1', NOW, { lockTimeoutMs: 300 });
    await expect(attempt).rejects.toBeInstanceOf(AgentStateError);
    await expect(attempt).rejects.toMatchObject({
      code: 'GT_STATE_LOCKED',
      message: expect.stringContaining(`process ${process.pid}`) as unknown,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} 0123456789abcdef\n`);
    expect(readAgentState(root, MAYOR)).toEqual({});
  });

  it('a live writer’s lock is waited for and never broken', async () => {
    const { root, lock } = town();
    // A real process holds the lock for a while, then releases it itself: unlinking
    // fails (exit 1) if anyone broke its lock in the meantime.
    const holder = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(lock)}, process.pid + ' holder\\n');
       setTimeout(() => fs.unlinkSync(${JSON.stringify(lock)}), 300);`,
    ]);
    const exited = new Promise<number | null>((done) => holder.on('exit', done));
    await waitFor('the holder to take the lock', () => existsSync(lock));
    await setRequesting(root, MAYOR, 'restart', 'r2', NOW, { lockTimeoutMs: 10_000 });
    expect(existsSync(lock)).toBe(false); // we wrote only after the holder let go
    expect(await exited).toBe(0);
    expect(readAgentState(root, MAYOR)).toMatchObject({
      requesting_restart: true,
      requesting_id: 'r2',
    });
  });

  it('an empty lock is a writer mid-creation while fresh, and stale once old', async () => {
    const { root, lock } = town();
    writeFileSync(lock, '');
    await expect(
      setRequesting(root, MAYOR, 'cycle', 'r1', NOW, { lockTimeoutMs: 200 }),
    ).rejects.toMatchObject({
      code: 'GT_STATE_LOCKED',
    });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await setRequesting(root, MAYOR, 'cycle', 'r1', NOW, { lockTimeoutMs: 5_000 });
    expect(existsSync(lock)).toBe(false);
  });

  it('is named so that the excludes of a crew clone ignore it and its breaker', async () => {
    const root = tempDir('clone');
    gitIn(root, 'init', '--quiet');
    // the patterns `gt crew add` writes to .git/info/exclude
    writeFileSync(
      join(root, '.git', 'info', 'exclude'),
      '\n# gastown agent state\nstate.json\n.state.json.*.tmp\n',
    );
    mkdirSync(join(root, 'mayor'));
    const lock = lockFilePath(stateFilePath(root, MAYOR));
    let seen: { files: string[]; status: string } | undefined;
    await updateAgentState(root, MAYOR, (s) => {
      seen = {
        files: readdirSync(join(root, 'mayor')),
        status: gitIn(root, 'status', '--porcelain', '--untracked-files=all'),
      };
      return { ...s, x: 1 };
    });
    expect(seen).toEqual({ files: ['.state.json.lock.tmp'], status: '' });
    expect(lock).toBe(join(root, 'mayor', '.state.json.lock.tmp'));
    const breaker = join(root, 'mayor', '.state.json.break.tmp');
    expect(gitIn(root, 'check-ignore', lock, breaker).trim().split('\n')).toHaveLength(2);
    writeFileSync(join(root, 'mayor', 'notes.txt'), 'x');
    expect(gitIn(root, 'status', '--porcelain', '--untracked-files=all')).toBe(
      '?? mayor/notes.txt\n',
    );
  });
});
