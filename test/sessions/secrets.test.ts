// No value of an agent's environment (its token, the API keys of agents.<role>.env) is ever in
// an argv, where every local user can read it: a poller reads every process's command line
// while sessions start, and finds none. The session still has every value.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TmuxHost } from '../../src/sessions/tmux.js';
import { tempDir, tmuxSocket } from '../helpers/temp.js';
import { agentToken, makeTown } from '../helpers/town.js';

/** Every argv on the machine that holds one of `secrets`, polled until `done` settles. */
async function argvsHolding(secrets: readonly string[], done: Promise<unknown>): Promise<string[]> {
  const found = new Set<string>();
  let finished = false;
  void done.finally(() => (finished = true));
  let polls = 0;
  while (!finished || polls < 3) {
    polls += 1;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let argv: string;
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      if (secrets.some((s) => argv.includes(s))) found.add(argv.replaceAll('\0', ' '));
    }
    await new Promise((r) => setImmediate(r));
  }
  expect(polls).toBeGreaterThan(3);
  return [...found];
}

describe('secrets never in an argv', () => {
  it('sessions started with secret values: no process’s command line shows one', async () => {
    const socket = tmuxSocket();
    const host = new TmuxHost({ socket, town: tempDir('town') });
    const secrets = Array.from({ length: 6 }, (_, i) => `sk-secret-${i}-${Date.now()}`);
    const starts = (async () => {
      for (const [i, secret] of secrets.entries())
        await host.start({
          name: `gt-s${i}`,
          cwd: tempDir('cwd'),
          command: 'sleep 600',
          env: { API_KEY: secret },
        });
    })();
    expect(await argvsHolding(secrets, starts)).toEqual([]);
    for (const [i, secret] of secrets.entries()) {
      const env = execFileSync(
        'tmux',
        ['-L', socket, 'show-environment', '-t', `gt-s${i}`, 'API_KEY'],
        { encoding: 'utf8' },
      );
      expect(env.trim()).toBe(`API_KEY=${secret}`);
    }
    // Nothing of theirs in the server's global environment, for later sessions to inherit.
    expect(
      execFileSync('tmux', ['-L', socket, 'show-environment', '-g'], { encoding: 'utf8' }),
    ).not.toMatch(/API_KEY=/);
  });

  it('gt session start with an API key in agents.<role>.env and its agent token: neither in any argv', async () => {
    const town = await makeTown({
      settings: {
        agents: {
          crew: {
            command: 'sleep 600',
            sync: false,
            env: { ANTHROPIC_API_KEY: 'sk-ant-argv-probe' },
          },
        },
      },
    });
    const started = town.gtOk(['session', 'start', 'alpha/crew/max']);
    expect(await argvsHolding(['sk-ant-argv-probe'], started)).toEqual([]);
    const token = agentToken(town, 'gt-alpha-crew-max');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const config = await town.gtOk(['config', 'show']);
    expect(config).toContain('agents.crew.env.ANTHROPIC_API_KEY = "********"');
    expect(config).not.toContain('sk-ant-argv-probe');
    expect(await town.gtOk(['config', 'show', '--json'])).not.toContain('sk-ant-argv-probe');
  });
});
