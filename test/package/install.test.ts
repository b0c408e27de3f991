// gastown-ts as people install it: `npm pack` of the built package, then `npm install -g` of
// that tarball into a scratch prefix (its native SQLite module built there), and the installed
// `gt` makes a town and runs its daemon. Nothing of the clone is used but the tarball.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GT_VERSION } from '../../src/version.js';
import { tempDir, tmuxSocket } from '../helpers/temp.js';
import { installedGt, packTarball } from './package.js';

const run = promisify(execFile);

describe('the npm package', () => {
  it('packs only what runs, installs with npm install -g, and its gt makes a town and serves it', async () => {
    const scratch = tempDir('package');
    const packed = await packTarball(scratch);
    expect(packed.files.sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/bin/gt',
      'dist/bin/package.json',
      'dist/gt',
      'dist/gt-main.cache',
      'dist/gt-main.cjs',
      'dist/gt.cjs',
      'dist/native/gt',
      'package.json',
    ]);
    const gt = await installedGt(scratch, packed.tarball);
    // Nothing of the test runner's own town reaches the installed gt.
    const env = Object.fromEntries(
      Object.entries({ ...process.env, GT_TMUX_SOCKET: tmuxSocket() }).filter(
        ([k]) => k !== 'GT_TOWN_ROOT',
      ),
    );
    const { stdout: version } = await run(gt, ['--version'], { env });
    expect(version.trim()).toBe(GT_VERSION);
    const town = join(scratch, 'town');
    await run(gt, ['install', town], { env });
    const inTown = { env, cwd: town };
    const started = JSON.parse((await run(gt, ['daemon', 'start', '--json'], inTown)).stdout) as {
      pid: number;
    };
    try {
      const v = JSON.parse((await run(gt, ['version', '--json'], inTown)).stdout) as {
        daemon: { pid: number; build: string };
        gt: { build: string };
        store: { backend: string; schema: number; gt_schema: number };
      };
      expect(v.daemon.pid).toBe(started.pid);
      expect(v.daemon.build).toBe(v.gt.build);
      expect(v.store).toMatchObject({ backend: 'sqlite' });
      expect(v.store.schema).toBe(v.store.gt_schema);
      // The daemon is the installed gt, not the clone's.
      const { stdout: cmdline } = await run('cat', [`/proc/${started.pid}/cmdline`]);
      const script = realpathSync(cmdline.split('\0')[1] ?? '');
      expect(script).toBe(
        realpathSync(join(gt, '..', '..', 'lib', 'node_modules', 'gastown-ts', 'dist', 'gt.cjs')),
      );
      await run(gt, ['mail', 'send', 'mayor', '-s', 'hello', '-m', 'from an installed gt'], inTown);
      const { stdout: inbox } = await run(gt, ['mail', 'inbox', 'mayor', '--json'], inTown);
      expect(JSON.parse(inbox)).toHaveLength(1);
      // The native gt sessions run first (built where the package was packed) runs here, and
      // reaches the installed Node gt beside it.
      const native = join(script, '..', 'native', 'gt');
      expect((await run(native, ['--native-probe'])).stdout).toBe('gt native 1\n');
      const viaNative = await run(native, ['mail', 'inbox', 'mayor', '--json'], inTown);
      expect(viaNative.stdout).toBe(inbox);
      // The gt a person's shell runs (npm's link) is that native gt: a command the daemon
      // answers starts no Node. A stand-in `node` first on PATH (a fake, to see whether Node
      // is started at all) says whether it ran; the town is found from the folder alone.
      const spy = tempDir('node-spy');
      const ran = join(spy, 'ran');
      writeFileSync(join(spy, 'node'), `#!/bin/sh\necho "$@" >> '${ran}'\nexit 99\n`, {
        mode: 0o755,
      });
      const spied = { cwd: town, env: { ...env, PATH: `${spy}:${env.PATH ?? ''}` } };
      const sent = await run(gt, ['mail', 'send', 'mayor', '-s', 'again', '-m', 'native'], spied);
      expect(sent.stdout).toMatch(/sent/i);
      expect(existsSync(ran)).toBe(false);
      // GT_NATIVE=off: the Node gt, as before.
      const off = { ...spied, env: { ...spied.env, GT_NATIVE: 'off' } };
      await expect(run(gt, ['mail', 'inbox', 'mayor'], off)).rejects.toMatchObject({ code: 99 });
      expect(readFileSync(ran, 'utf8')).toContain('gt.cjs mail inbox mayor');
    } finally {
      await run(gt, ['daemon', 'stop'], inTown);
    }
  }, 600_000);
});
