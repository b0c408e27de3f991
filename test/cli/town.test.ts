import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gt, gtOk } from '../helpers/cli.js';
import { gitIn, makeOrigin } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';

async function newTown(): Promise<string> {
  const root = join(tempDir('town'), 'town');
  await gtOk(['install', root, '--name', 'test']);
  return root;
}

describe('gt install', () => {
  it('lays out a town with a private store', async () => {
    const root = await newTown();
    const marker = JSON.parse(readFileSync(join(root, 'mayor', 'town.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(marker).toMatchObject({ type: 'town', version: 1, name: 'test' });
    expect(Date.parse(marker.created_at as string)).not.toBeNaN();
    expect(JSON.parse(readFileSync(join(root, 'mayor', 'rigs.json'), 'utf8'))).toEqual({
      rigs: {},
    });
    for (const dir of ['deacon', 'daemon', 'settings'])
      expect(statSync(join(root, dir)).isDirectory()).toBe(true);
    expect(statSync(join(root, '.gt', 'town.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, '.gt')).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'daemon')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(root, '..')).filter((n) => n.includes('installing'))).toEqual([]);
  });

  it('refuses an existing town, a non-empty folder and a bad name, writing nothing', async () => {
    const root = await newTown();
    const again = await gt(['install', root]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^gt: .* is already a town/);

    const busy = tempDir('busy');
    writeFileSync(join(busy, 'file'), 'x');
    const notEmpty = await gt(['install', busy]);
    expect(notEmpty.code).toBe(2);
    expect(readdirSync(busy)).toEqual(['file']);

    const parent = tempDir('bad');
    const badName = await gt(['install', join(parent, 't'), '--name', '../x']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/bad town name/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('accepts an existing empty folder', async () => {
    const dir = tempDir('empty');
    await gtOk(['install', dir]);
    expect(existsSync(join(dir, 'mayor', 'town.json'))).toBe(true);
  });
});

describe('gt rig add / crew add', () => {
  it('clones the refinery, records the default branch, and finds the town from any folder inside', async () => {
    const root = await newTown();
    const origin = makeOrigin(tempDir('origin'), 'trunk');
    await gtOk(['rig', 'add', 'alpha', origin], { cwd: root });
    const rigs = JSON.parse(readFileSync(join(root, 'mayor', 'rigs.json'), 'utf8')) as {
      rigs: Record<string, { git_url: string; default_branch: string; added_at: string }>;
    };
    expect(rigs.rigs.alpha).toMatchObject({ git_url: origin, default_branch: 'trunk' });
    expect(existsSync(join(root, 'alpha', 'refinery', 'rig', 'README.md'))).toBe(true);
    expect(statSync(join(root, 'alpha', 'witness')).isDirectory()).toBe(true);
    expect(JSON.parse(readFileSync(join(root, 'alpha', 'config.json'), 'utf8'))).toMatchObject({
      name: 'alpha',
      default_branch: 'trunk',
    });

    // town discovery by walking up from a folder deep inside
    await gtOk(['crew', 'add', 'max', '--rig', 'alpha'], {
      cwd: join(root, 'alpha', 'refinery', 'rig'),
    });
    const clone = join(root, 'alpha', 'crew', 'max');
    expect(gitIn(clone, 'remote', 'get-url', 'origin').trim()).toBe(origin);
    writeFileSync(join(clone, 'state.json'), '{}');
    expect(gitIn(clone, 'status', '--porcelain')).toBe('');

    const list = JSON.parse(await gtOk(['crew', 'list', '--json'], { cwd: root })) as unknown[];
    expect(list).toEqual([
      {
        rig: 'alpha',
        name: 'max',
        address: 'alpha/crew/max',
        path: join(root, 'alpha', 'crew', 'max'),
      },
    ]);
    const rigList = JSON.parse(await gtOk(['rig', 'list', '--json', '--town', root])) as Array<{
      name: string;
    }>;
    expect(rigList.map((r) => r.name)).toEqual(['alpha']);
  });

  it('a failed clone leaves nothing half-made behind', async () => {
    const root = await newTown();
    const missing = join(tempDir('nothing'), 'not-a-repo');
    mkdirSync(missing);
    const result = await gt(['rig', 'add', 'beta', missing], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^gt: git clone failed/);
    expect(existsSync(join(root, 'beta'))).toBe(false);
    expect(JSON.parse(readFileSync(join(root, 'mayor', 'rigs.json'), 'utf8'))).toEqual({
      rigs: {},
    });
    expect(readdirSync(join(root, '.gt', 'tmp'))).toEqual([]);
  });

  it('refuses bad and taken names before touching git', async () => {
    const root = await newTown();
    const origin = makeOrigin(tempDir('origin'));
    for (const name of ['../evil', 'Alpha', 'a-crew', 'witness', 'x'.repeat(41)]) {
      const result = await gt(['rig', 'add', name, origin], { cwd: root });
      expect(result.code, name).toBe(2);
      expect(result.stderr).toMatch(/^gt: /);
    }
    expect(readdirSync(root).sort()).toEqual(['.gt', 'daemon', 'deacon', 'mayor', 'settings']);
    await gtOk(['rig', 'add', 'alpha', origin], { cwd: root });
    expect((await gt(['rig', 'add', 'alpha', origin], { cwd: root })).stderr).toMatch(
      /already exists/,
    );
    expect((await gt(['crew', 'add', 'max', '--rig', 'nope'], { cwd: root })).code).toBe(2);
    expect((await gt(['crew', 'add', '../max', '--rig', 'alpha'], { cwd: root })).code).toBe(2);
    expect(
      (await gt(['rig', 'add', 'beta', '--upload-pack=touch /tmp/x'], { cwd: root })).code,
    ).toBe(2);
  });
});

describe('town discovery', () => {
  it('says clearly when there is no town', async () => {
    const dir = tempDir('nowhere');
    const result = await gt(['mail', 'inbox'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^gt: no town found at or above/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('GT_TOWN_ROOT and --town must point at a town', async () => {
    const dir = tempDir('nowhere');
    expect((await gt(['mail', 'inbox'], { env: { GT_TOWN_ROOT: dir } })).stderr).toMatch(
      /GT_TOWN_ROOT .* is not a town/,
    );
    expect((await gt(['mail', 'inbox', '--town', dir])).stderr).toMatch(/--town .* is not a town/);
    const root = await newTown();
    expect((await gt(['mail', 'inbox'], { cwd: dir, env: { GT_TOWN_ROOT: root } })).code).toBe(0);
  });

  it('a bad setting stops the command naming key, value and expectation', async () => {
    const root = await newTown();
    writeFileSync(
      join(root, 'settings', 'config.json'),
      JSON.stringify({ daemon: { heartbeat: 'often' } }),
    );
    const result = await gt(['mail', 'inbox'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/daemon\.heartbeat = "often": expected a duration/);
  });
});
