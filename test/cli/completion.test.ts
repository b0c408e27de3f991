// Shell completion: gt answers what may come next from its own command tree and the town's
// agents, and the bash script really completes in bash.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GT_BIN } from '../helpers/cli.js';
import { makeTown } from '../helpers/town.js';

const run = promisify(execFile);

describe('gt completion', () => {
  it('commands, subcommands, flags, and agent addresses where a command takes one', async () => {
    const town = await makeTown();
    const next = async (...words: string[]) =>
      (await town.gtOk(['__complete', ...words])).split('\n').filter((l) => l !== '');
    expect(await next('ma')).toEqual(['mail']);
    expect(await next('mail', 's')).toEqual(['send', 'show']);
    expect(await next('session', 'start', '--w')).toEqual(['--wait']);
    expect(await next('nudge', 'alpha/c')).toEqual(['alpha/crew/max']);
    expect(await next('session', 'history', 'm')).toEqual(['mayor']);
    expect(await next('__comp')).toEqual([]); // hidden
  });

  it('the bash script completes in a real bash', async () => {
    const town = await makeTown();
    const script = await town.gtOk(['completion', 'bash']);
    const probe = `${script}\nCOMP_WORDS=(gt daemon re); COMP_CWORD=2; _gt_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const env = {
      ...process.env,
      ...town.env,
      PATH: `${join(dirname(GT_BIN), 'bin')}:${process.env.PATH ?? ''}`,
    };
    const { stdout } = await run('bash', ['-c', probe], { env });
    expect(stdout.split('\n').filter((l) => l !== '')).toEqual(['restart']);
  });

  it('names the shells it knows', async () => {
    const town = await makeTown();
    for (const shell of ['zsh', 'fish'])
      expect(await town.gtOk(['completion', shell])).toContain('__complete');
    const bad = await town.gt(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bash, zsh or fish/);
  });
});
