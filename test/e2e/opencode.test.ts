// The real OpenCode (pinned), supervised end to end against the scripted model server speaking
// chat completions: ready without dialogs, its plugin reporting prompts and turns (and nothing
// npm-installed into the work tree), a prompt delivered once, a handoff by its own shell tool
// carried to the successor, and its failures told apart from its screen (OpenCode retries 429,
// 5xx and refused connections by itself, five times): 401 held, 429 and a refused connection
// paused, none restarted.
import { existsSync, readdirSync } from 'node:fs';
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
import { openCodeTown } from '../helpers/opencode.js';

async function readyOpenCode() {
  const made = await openCodeTown({
    settings: { daemon: { heartbeat: '200ms', keep_alive: [] } },
  });
  const took = await startedReady(made.town, 30_000);
  return { ...made, took };
}

describe('real OpenCode under the daemon', () => {
  it('starts ready with no dialog, its plugin in place and nothing installed; nudged once, acknowledged by the plugin', async () => {
    const { town, server, took } = await readyOpenCode();
    console.log(`opencode start → ready: ${took} ms`);
    expect(await dialogsAnswered(town, MAX)).toEqual([]);
    const config = join(town.root, 'alpha', 'crew', 'max', '.opencode');
    expect(existsSync(join(config, 'plugin', 'gastown-ts.js'))).toBe(true);
    // OpenCode found node_modules and a lock naming its plugin package: npm never ran there.
    expect(readdirSync(join(config, 'node_modules'))).toEqual([]);
    await nudgedOnce('opencode', town, server, 30);
  }, 60_000);

  it('gt handoff -m run by its own shell tool: cycled, and the successor’s first request has the note', async () => {
    const { town, server } = await readyOpenCode();
    await handsOffByItsShell(town, server, 40_000);
  }, 90_000);

  it('gt session start --wait with no daemon running brings it to ready', async () => {
    const { town } = await openCodeTown();
    const out = await town.gt(['session', 'start', MAX, '--wait', '--timeout', '30s', '--json'], {
      timeoutMs: 40_000,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ identity: MAX, activity: 'ready' });
  }, 45_000);

  it('401: held as auth, the mayor told once, never restarted', async () => {
    const { town } = await readyOpenCode();
    await heldForAuth(town, /^Incorrect API key provided/);
    await neverRestarted(town);
  }, 45_000);

  it('429 is rate limited, then the API gone is network, each while OpenCode retries by itself; never restarted', async () => {
    const { town, server } = await readyOpenCode();
    await limitedThenUnreachable(town, server, 'ERR:429:2', {
      limited: /Rate limit reached .*\[retrying/,
      refused: /Cannot connect to API/,
    });
  }, 150_000);
});
