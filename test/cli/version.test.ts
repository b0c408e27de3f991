import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gt } from '../helpers/cli.js';

describe('gt --version / --help', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const result = await gt(['--version']);
    expect([result.code, result.stdout.trim()]).toEqual([0, pkg.version]);
  });
  it('--help lists the command groups and exits 0', async () => {
    const result = await gt(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['install', 'rig', 'crew', 'mail', 'config'])
      expect(result.stdout).toContain(word);
  });
  it('an unknown command is bad usage: exit 2, one line', async () => {
    const result = await gt(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^gt: unknown command 'frobnicate'/);
  });
});
