// Workspace sync against real git: a bare origin, a clone that plays the crew member,
// and pushes from elsewhere. After any failure the clone must be exactly as before.
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyncResult } from '../../src/workspace/sync.js';
import { syncWorkspace } from '../../src/workspace/sync.js';
import { GIT_ENV, gitIn, makeOrigin, pushChange } from '../helpers/git.js';
import { onCleanup, tempDir, waitFor } from '../helpers/temp.js';

interface Rig {
  dir: string;
  origin: string;
  clone: string;
}

/** An origin and a clone of it set up like a crew member's: state.json kept out of git. */
function rig(): Rig {
  const dir = tempDir('sync');
  const origin = makeOrigin(dir);
  const clone = join(dir, 'clone');
  gitIn(dir, 'clone', '--quiet', origin, clone);
  writeFileSync(join(clone, '.git', 'info', 'exclude'), 'state.json\n.state.json.*.tmp\n');
  writeFileSync(join(clone, 'state.json'), '{"requesting_cycle": true}\n');
  return { dir, origin, clone };
}

function sync(
  clone: string,
  extra: { syncCommand?: string; timeoutMs?: number } = {},
): Promise<SyncResult> {
  return syncWorkspace({
    dir: clone,
    branch: 'main',
    syncCommand: extra.syncCommand ?? null,
    timeoutMs: extra.timeoutMs ?? 20_000,
    env: GIT_ENV,
  });
}

/** Every file outside .git with its content, plus HEAD, status and stash list: "the tree as it was". */
function snapshot(clone: string): Record<string, string> {
  const shot: Record<string, string> = {
    HEAD: gitIn(clone, 'rev-parse', 'HEAD').trim(),
    status: gitIn(clone, 'status', '--porcelain', '--untracked-files=all'),
    stashes: gitIn(clone, 'stash', 'list'),
  };
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === join(clone, '.git')) continue;
      if (lstatSync(path).isDirectory()) walk(path);
      else
        shot[relative(clone, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(clone);
  return shot;
}

const stepNames = (result: SyncResult): string[] =>
  result.steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'failed'}`);
const upstreamHead = (r: Rig): string => gitIn(r.origin, 'rev-parse', 'main').trim();

function commitLocally(clone: string, file: string, content: string): void {
  writeFileSync(join(clone, file), content);
  gitIn(clone, 'add', file);
  gitIn(clone, 'commit', '--quiet', '-m', `local ${file}`);
}

describe('syncWorkspace', () => {
  it('fast-forwards a clean tree to a new upstream commit', async () => {
    const r = rig();
    pushChange(r.origin, r.dir, 'NEW.md', 'from upstream\n');
    const result = await sync(r.clone);
    expect(result).toMatchObject({
      ok: true,
      stashed: false,
      conflict: false,
      headAfter: upstreamHead(r),
    });
    expect(stepNames(result)).toEqual(['fetch:ok', 'pull:ok']);
    expect(readFileSync(join(r.clone, 'NEW.md'), 'utf8')).toBe('from upstream\n');
    expect(readFileSync(join(r.clone, 'state.json'), 'utf8')).toBe('{"requesting_cycle": true}\n');
  });

  it('stashes a dirty tree (modified, staged, untracked) and restores it on top of upstream', async () => {
    const r = rig();
    writeFileSync(join(r.clone, 'README.md'), '# test rig\nlocal edit\n');
    gitIn(r.clone, 'add', 'README.md'); // staged, and must come back staged
    writeFileSync(join(r.clone, 'staged.txt'), 'staged\n');
    gitIn(r.clone, 'add', 'staged.txt');
    writeFileSync(join(r.clone, 'notes.txt'), 'untracked\n');
    const statusBefore = gitIn(r.clone, 'status', '--porcelain', '--untracked-files=all');
    expect(statusBefore).toContain('M  README.md');
    pushChange(r.origin, r.dir, 'NEW.md', 'from upstream\n');

    const result = await sync(r.clone);
    expect(result).toMatchObject({
      ok: true,
      stashed: true,
      stashRestored: true,
      conflict: false,
      headAfter: upstreamHead(r),
    });
    expect(stepNames(result)).toEqual(['fetch:ok', 'stash:ok', 'pull:ok', 'stash-pop:ok']);
    expect(readFileSync(join(r.clone, 'NEW.md'), 'utf8')).toBe('from upstream\n');
    expect(readFileSync(join(r.clone, 'README.md'), 'utf8')).toBe('# test rig\nlocal edit\n');
    expect(readFileSync(join(r.clone, 'notes.txt'), 'utf8')).toBe('untracked\n');
    expect(gitIn(r.clone, 'status', '--porcelain', '--untracked-files=all')).toBe(statusBefore);
    expect(gitIn(r.clone, 'stash', 'list')).toBe('');
  });

  it('a local commit that conflicts: rebase aborted, HEAD and every file exactly as before', async () => {
    const r = rig();
    commitLocally(r.clone, 'README.md', '# local title\n');
    writeFileSync(join(r.clone, 'wip.txt'), 'work in progress\n');
    pushChange(r.origin, r.dir, 'README.md', '# upstream title\n');
    const before = snapshot(r.clone);

    const result = await sync(r.clone, { syncCommand: 'touch command-ran' });
    expect(result).toMatchObject({ ok: false, conflict: true, stashed: true, stashRestored: true });
    expect(result.error).toMatch(/conflict/);
    expect(result.headAfter).toBe(result.headBefore);
    expect(stepNames(result)).toEqual([
      'fetch:ok',
      'stash:ok',
      'pull:failed',
      'rebase-abort:ok',
      'reset:ok',
      'stash-pop:ok',
    ]);
    expect(snapshot(r.clone)).toEqual(before);
    expect(existsSync(join(r.clone, '.git', 'rebase-merge'))).toBe(false);
  });

  it('local changes that clash with upstream on pop: back to the old HEAD, changes restored', async () => {
    const r = rig();
    writeFileSync(join(r.clone, 'README.md'), '# my uncommitted title\n');
    writeFileSync(join(r.clone, 'wip.txt'), 'work in progress\n');
    pushChange(r.origin, r.dir, 'README.md', '# upstream title\n');
    const before = snapshot(r.clone);

    const result = await sync(r.clone);
    expect(result).toMatchObject({ ok: false, conflict: true, stashed: true, stashRestored: true });
    expect(stepNames(result)).toEqual([
      'fetch:ok',
      'stash:ok',
      'pull:ok',
      'stash-pop:failed',
      'reset:ok',
      'clean:ok',
      'stash-pop:ok',
    ]);
    expect(snapshot(r.clone)).toEqual(before);
  });

  it('remote gone: the fetch failure is reported, the pull not attempted, the tree unchanged', async () => {
    const r = rig();
    writeFileSync(join(r.clone, 'wip.txt'), 'work in progress\n');
    const before = snapshot(r.clone);
    rmSync(r.origin, { recursive: true, force: true });

    const result = await sync(r.clone, { syncCommand: 'touch command-ran' });
    expect(result).toMatchObject({ ok: false, conflict: false, stashed: false });
    expect(stepNames(result)).toEqual(['fetch:failed']);
    expect(result.steps[0]?.detail).toMatch(/git fetch failed/);
    expect(result.error).toMatch(/fetch/);
    expect(snapshot(r.clone)).toEqual(before);
  });

  it('runs sync.command in the work dir after a good sync', async () => {
    const r = rig();
    const result = await sync(r.clone, {
      syncCommand: 'pwd -P > command-ran; echo done "$GIT_TERMINAL_PROMPT"',
    });
    expect(result).toMatchObject({ ok: true });
    expect(stepNames(result)).toEqual(['fetch:ok', 'pull:ok', 'command:ok']);
    expect(result.steps[2]?.detail).toMatch(/succeeded: done 0$/);
    expect(readFileSync(join(r.clone, 'command-ran'), 'utf8').trim()).toBe(realpathSync(r.clone));
  });

  it('reports a failing sync.command with its exit code and output', async () => {
    const r = rig();
    pushChange(r.origin, r.dir, 'NEW.md', 'x\n');
    const result = await sync(r.clone, { syncCommand: 'echo "bd: database locked" >&2; exit 3' });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/sync command failed/);
    expect(result.headAfter).toBe(upstreamHead(r)); // the git part still happened
    expect(result.steps.at(-1)).toMatchObject({ step: 'command', ok: false });
    expect(result.steps.at(-1)?.detail).toMatch(/exited 3: bd: database locked/);
  });

  it('a sync.command that overruns is killed with everything it started, and reported', async () => {
    const r = rig();
    const pidFile = join(r.dir, 'sleeper.pid');
    const started = Date.now();
    const result = await sync(r.clone, {
      syncCommand: `sleep 60 & echo $! > ${JSON.stringify(pidFile)}; wait`,
      timeoutMs: 1_500,
    });
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    onCleanup(() => killIfAlive(sleeper));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.ok).toBe(false);
    expect(result.steps.at(-1)).toMatchObject({ step: 'command', ok: false });
    expect(result.steps.at(-1)?.detail).toMatch(/timed out after 1500 ms/);
    await waitFor('the background sleep to be gone', () => !isAlive(sleeper));
  });

  it('reports a folder that is not a clone instead of throwing', async () => {
    const result = await sync(tempDir('not-git'));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/not a git clone/);
    expect(result.steps).toEqual([]);
  });

  it('reports a bad branch name without running git', async () => {
    const r = rig();
    const result = await syncWorkspace({
      dir: r.clone,
      branch: '--upload-pack=evil',
      syncCommand: null,
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ ok: false, steps: [] });
    expect(result.error).toMatch(/not a plain branch name/);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Only for the sleep this test's own command started. */
function killIfAlive(pid: number): void {
  if (Number.isInteger(pid) && pid > 1 && isAlive(pid)) process.kill(pid, 'SIGKILL');
}
