// gt daemon restart: a new daemon takes the town over from the running one without a second
// daemon ever holding it; the agents keep their panes, and a request sent during the hand-over
// is carried out once.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { queryHolder } from '../../src/daemon/lock.js';
import { daemonsOf } from '../helpers/fake-systemd.js';
import { waitFor } from '../helpers/temp.js';
import { agentEnv, makeTown, starts } from '../helpers/town.js';

const MAX = 'alpha/crew/max';

interface Side {
  pid: number;
  version: string | null;
  build: string | null;
}

describe('gt daemon restart', () => {
  it('hands over: one lock holder at every instant, the same panes, a request meanwhile done once', async () => {
    const town = await makeTown({
      settings: { daemon: { heartbeat: '200ms', keep_alive: ['mayor', MAX], host: hostname() } },
    });
    await town.gtOk(['daemon', 'start']);
    await waitFor('both agents started', () => starts(town).length === 2, 20_000, 50);
    const panes = async () =>
      (
        JSON.parse(await town.gtOk(['status', '--json'])) as {
          agents: Array<{ address: string; pid: number | null }>;
        }
      ).agents
        .filter((a) => a.pid !== null)
        .map((a) => `${a.address} ${a.pid}`)
        .sort();
    const before = await panes();
    expect(before).toHaveLength(2);

    // Who holds the lock, sampled every few milliseconds through the hand-over.
    const held: Array<number | null> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) held.push((await queryHolder(town.root, hostname(), 200))?.pid ?? null);
    })();
    const env = agentEnv(town, MAX, 'gt-alpha-crew-max');
    const [restart, handoff] = await Promise.all([
      town.gtOk(['daemon', 'restart', '--json']),
      town.gtOk(['handoff', '-s', 'mid-restart', '-m', 'sent while the daemon changes'], { env }),
    ]);
    const { from, to } = JSON.parse(restart) as { from: Side; to: Side };
    expect(handoff).not.toBe('');
    expect(to.pid).not.toBe(from.pid);
    expect(to.build).toBe(from.build); // the same gt here; an upgrade test changes it
    await waitFor('max cycled by the request', () => starts(town, MAX).length === 2, 20_000, 50);
    sampling = false;
    await sampler;
    // Never anyone but the old daemon, then (after at most a moment with none) the new one.
    const seen = held.filter((p, i) => p !== null && p !== held[i - 1]);
    expect(seen).toEqual([from.pid, to.pid]);
    // The old one exits once it has let go (its pid lingers only as a zombie nobody reaped).
    await waitFor('the old daemon gone', () => daemonsOf(town.root).length === 1, 10_000, 50);
    expect(daemonsOf(town.root)).toEqual([to.pid]);
    // The mayor's pane is the one it had; max's was replaced once, by its own request.
    const after = await panes();
    expect(after.filter((p) => p.startsWith('mayor '))).toEqual(
      before.filter((p) => p.startsWith('mayor ')),
    );
    expect(starts(town, 'mayor')).toHaveLength(1);
    const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
      pid: number;
      same_build: boolean;
    };
    expect(status).toMatchObject({ pid: to.pid, same_build: true });
  });

  it('with no daemon running, starts one', async () => {
    const town = await makeTown();
    const out = JSON.parse(await town.gtOk(['daemon', 'restart', '--json'])) as {
      from: null;
      to: Side;
    };
    expect(out.from).toBeNull();
    expect(daemonsOf(town.root)).toEqual([out.to.pid]);
  });
});
