// What the user wants running comes back, and nothing else: after a "reboot" (the tmux server
// and the daemon gone), a fresh daemon starts exactly the agents wanted running, in its first
// pass; an agent the user stopped stays down however many heartbeats pass.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killTmuxServer, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { events, makeTown, runDaemon, starts } from '../helpers/town.js';

interface AgentJson {
  address: string;
  state: string;
  wanted: string;
}

async function agents(town: TestTown): Promise<AgentJson[]> {
  return (JSON.parse(await town.gtOk(['status', '--json'])) as { agents: AgentJson[] }).agents;
}

async function heartbeats(town: TestTown): Promise<number> {
  const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
    heartbeat_count?: number;
  };
  return status.heartbeat_count ?? 0;
}

const running = async (town: TestTown): Promise<string[]> =>
  (await agents(town))
    .filter((a) => a.state === 'alive')
    .map((a) => a.address)
    .sort();

describe('wanted state', () => {
  it('after a reboot the daemon brings back exactly the agents wanted running', async () => {
    const town = await makeTown({
      crew: ['max', 'ann'],
      settings: { daemon: { heartbeat: '150ms', keep_alive: ['*/witness'] } },
    });
    await town.gtOk(['session', 'start', 'alpha/crew/max']); // the user's act: wanted running
    await town.gtOk(['session', 'start', 'mayor']);
    await town.gtOk(['session', 'stop', 'mayor']); // … and this one stopped on purpose
    const wanted = Object.fromEntries((await agents(town)).map((a) => [a.address, a.wanted]));
    expect(wanted).toMatchObject({
      'alpha/crew/max': 'running',
      'alpha/crew/ann': 'stopped',
      'alpha/witness': 'running',
      'alpha/refinery': 'stopped',
      mayor: 'stopped',
    });

    killTmuxServer(town.socket); // the machine rebooted: every session gone
    const before = starts(town).length;
    await runDaemon(town);
    await waitFor('the wanted agents back', async () => {
      const alive = await running(town);
      return alive.includes('alpha/crew/max') && alive.includes('alpha/witness');
    });
    const first = await heartbeats(town);
    await waitFor(
      'three more heartbeats',
      async () => (await heartbeats(town)) >= first + 3,
      10_000,
    );
    expect(await running(town)).toEqual(['alpha/crew/max', 'alpha/witness']);
    const restored = starts(town)
      .slice(before)
      .map((l) => l.split(' ')[0]);
    expect(restored.sort()).toEqual(['alpha/crew/max', 'alpha/witness']);
  });

  it('reboots in a row: each restores the agents at once, none counted as a crash', async () => {
    const town = await makeTown({
      settings: { daemon: { heartbeat: '150ms', keep_alive: ['*/witness'] } },
    });
    await town.gtOk(['session', 'start', 'alpha/crew/max']);
    for (let reboot = 0; reboot < 4; reboot++) {
      const daemon = await runDaemon(town);
      // the default backoff (30 s) would keep a counted restart from this deadline
      await waitFor(
        `the agents back after reboot ${reboot}`,
        async () => (await running(town)).length === 2,
        10_000,
      );
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      killTmuxServer(town.socket);
    }
    const all = await events(town);
    const restarts = all.filter((e) => e.kind === 'agent.restarted').map((e) => e.outcome);
    expect(restarts).toEqual(Array<string>(6).fill('restored')); // 3 reboots × 2 agents
    expect(all.filter((e) => e.kind === 'agent.parked')).toEqual([]);
  });

  it('an agent the user stops with gt session stop is never restarted; one it kills is', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '150ms', keep_alive: [] } } });
    await runDaemon(town);
    await town.gtOk(['session', 'start', 'alpha/crew/max']);
    await town.gtOk(['session', 'start', 'mayor']);
    await town.gtOk(['session', 'stop', 'alpha/crew/max']);
    // the mayor's process dies without the user asking: wanted running, so it comes back
    execFileSync('tmux', ['-L', town.socket, 'kill-session', '-t', 'gt-mayor']);
    await waitFor('the mayor back', () => starts(town, 'mayor').length === 2, 15_000);
    const first = await heartbeats(town);
    await waitFor(
      'three more heartbeats',
      async () => (await heartbeats(town)) >= first + 3,
      10_000,
    );
    expect(await running(town)).toEqual(['mayor']);
    expect(starts(town, 'alpha/crew/max')).toHaveLength(1);
  });

  it('gt why says wanted against actual and what happens next; refuses a bad address', async () => {
    const town = await makeTown({ settings: { daemon: { heartbeat: '30s', keep_alive: [] } } });
    await town.gtOk(['session', 'start', 'alpha/crew/max']);
    await town.gtOk(['session', 'stop', 'alpha/crew/max']);
    expect(await town.gtOk(['why', 'alpha/crew/max'])).toMatch(
      /^alpha\/crew\/max is wanted stopped and is not running\. .*Next: nothing: it was stopped on purpose/,
    );
    await town.gtOk(['session', 'start', 'mayor']);
    const why = JSON.parse(await town.gtOk(['why', 'mayor', '--json'])) as {
      wanted: string;
      actual: string;
      last_decision: { kind: string } | null;
    };
    expect(why).toMatchObject({ wanted: 'running', actual: 'running' });
    const bad = await town.gt(['why', 'alpha/crew/nobody']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gt: /);
    expect((await town.gt(['why', '$(touch x)'])).code).toBe(2);
  });
});
