// `npm start` as a newcomer meets it: the demo builds its town, starts five agents and
// the daemon, and the agents' own handoffs are carried out. Run briefly in a temp dir.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, tmuxSocket } from './helpers/temp.js';

const DEMO = resolve(import.meta.dirname, '..', 'dist', 'demo.js');

describe('npm start (the demo)', () => {
  it('starts the town and carries out the agents’ handoffs', async () => {
    const dir = tempDir('demo');
    const socket = tmuxSocket();
    const child = spawn(
      process.execPath,
      [DEMO, '--dir', dir, '--socket', socket, '--handoff-after', '2', '--for', '12s'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code, out).toBe(0);
    for (const agent of [
      'mayor',
      'demo/witness',
      'demo/refinery',
      'demo/crew/ada',
      'demo/crew/bob',
    ]) {
      expect(out).toContain(`started ${agent}`);
      expect(out).toMatch(
        new RegExp(`request\\.done\\s+${agent.replace(/\//g, '\\/')}\\s+cycle\\s+done`),
      );
    }
    expect(out).toMatch(/daemon stopped; the agents keep running/);
  }, 40_000);
});
