// The daemon's control-mode tmux client with a real daemon: it is the daemon's, it goes with
// it however the daemon ends, and GT_TMUX_CONTROL=off does without it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TmuxHost } from '../../src/sessions/tmux.js';
import { parentOf } from '../helpers/names.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

/** The pids of the control-mode clients on the town's tmux server. */
function controlClients(town: TestTown): number[] {
  const out = execFileSync(
    'tmux',
    ['-L', town.socket, 'list-clients', '-F', '#{client_control_mode} #{client_pid}'],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter((l) => l.startsWith('1 '))
    .map((l) => Number(l.slice(2)));
}

async function townWithAgent(): Promise<TestTown> {
  const town = await makeTown({ settings: { daemon: { heartbeat: '100ms' } } });
  await town.gtOk(['session', 'start', MAX]);
  return town;
}

/** Heartbeats the daemon has made, from daemon/state.json. */
async function heartbeats(town: TestTown): Promise<number> {
  const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
    heartbeat_count?: number;
  };
  return status.heartbeat_count ?? 0;
}

describe('the daemon’s tmux control-mode client', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'is the daemon’s own and ends with it (%s)',
    async (signal) => {
      const town = await townWithAgent();
      const daemon = await runDaemon(town);
      const [client] = await waitFor('the daemon’s control client', () => {
        const found = controlClients(town);
        return found.length === 1 && found;
      });
      expect(parentOf(client ?? 0)).toBe(daemon.child.pid);
      // It is not a terminal: another listing does not call the agent's session attached.
      const listed = await new TmuxHost({ socket: town.socket }).list();
      expect(listed.map((s) => s.attached)).toEqual([false]);
      daemon.child.kill(signal);
      await daemon.exited;
      await waitFor('no control client', () => controlClients(town).length === 0);
      expect(JSON.parse(await town.gtOk(['session', 'list', '--json']))).toHaveLength(1);
    },
  );

  it('GT_TMUX_CONTROL=off: the daemon makes a tmux process per call instead', async () => {
    const town = await townWithAgent();
    await runDaemon(town, { GT_TMUX_CONTROL: 'off' });
    const seen = await heartbeats(town);
    await waitFor('five more heartbeats', async () => (await heartbeats(town)) >= seen + 5);
    expect(controlClients(town)).toEqual([]);
  });
});
