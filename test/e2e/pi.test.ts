// The real Pi coding agent (pinned), supervised end to end against the scripted model server
// speaking chat completions: ready without dialogs, its extension reporting prompts and turns,
// a prompt delivered once, a handoff by its own shell tool carried to the successor, and its
// failures told apart from its screen (Pi retries 429, 5xx and refused connections by itself,
// three times, then stops): 401 held, 429 and a refused connection paused, none restarted.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  handsOffByItsShell,
  heldForAuth,
  limitedThenUnreachable,
  MAX,
  neverRestarted,
  nudgedOnce,
  startedReady,
} from '../helpers/agent-scenarios.js';
import { dialogsAnswered } from '../helpers/claude.js';
import { piTown } from '../helpers/pi.js';

async function readyPi() {
  const made = await piTown({ settings: { daemon: { heartbeat: '200ms', keep_alive: [] } } });
  const took = await startedReady(made.town, 30_000);
  return { ...made, took };
}

describe('real Pi under the daemon', () => {
  it('starts ready with no dialog, its extension and extended keys in place; nudged once, acknowledged by the extension', async () => {
    const { town, server, took } = await readyPi();
    console.log(`pi start → ready: ${took} ms`);
    expect(await dialogsAnswered(town, MAX)).toEqual([]);
    const work = join(town.root, 'alpha', 'crew', 'max');
    expect(existsSync(join(work, '.pi', 'extensions', 'gastown-ts.js'))).toBe(true);
    const keys = execFileSync('tmux', ['-L', town.socket, 'show', '-sv', 'extended-keys'], {
      encoding: 'utf8',
    });
    expect(keys.trim()).toBe('on');
    await nudgedOnce('pi', town, server, 30);
  }, 60_000);

  it('gt handoff -m run by its own shell tool: cycled, and the successor’s first request has the note', async () => {
    const { town, server } = await readyPi();
    await handsOffByItsShell(town, server, 40_000);
  }, 90_000);

  it('gt session start --wait with no daemon running brings it to ready', async () => {
    const { town } = await piTown();
    const out = await town.gt(['session', 'start', MAX, '--wait', '--timeout', '30s', '--json'], {
      timeoutMs: 40_000,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ identity: MAX, activity: 'ready' });
  }, 45_000);

  it('401: held as auth, the mayor told once, never restarted', async () => {
    const { town } = await readyPi();
    await heldForAuth(town, /^Error: 401 Incorrect API key/);
    await neverRestarted(town);
  }, 45_000);

  it('429 is rate limited, then the API gone is network, each while Pi retries by itself; never restarted', async () => {
    const { town, server } = await readyPi();
    await limitedThenUnreachable(town, server, 'ERR:429:30', {
      limited: /429 Rate limit reached/,
      refused: /Connection error/,
    });
  }, 150_000);
});
