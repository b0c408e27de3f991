// An upgrade as a user makes it: the previous gt installed from its tarball runs a town with
// agents; this gt installed over it (npm install -g into the same prefix), then `gt daemon
// restart`: the same agents in the same panes, a request sent meanwhile carried out once, and
// one daemon holding the town at every instant.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { queryHolder } from '../../src/daemon/lock.js';
import { daemonsOf } from '../helpers/fake-systemd.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, makeTown, starts } from '../helpers/town.js';
import { installedQuickly, packTarball, previousTarball } from './package.js';

const MAX = 'alpha/crew/max';

interface Side {
  pid: number;
  build: string | null;
}

async function panes(town: TestTown): Promise<string[]> {
  const status = JSON.parse(await town.gtOk(['status', '--json'])) as {
    agents: Array<{ address: string; pid: number | null }>;
  };
  return status.agents
    .filter((a) => a.pid !== null)
    .map((a) => `${a.address} ${a.pid}`)
    .sort();
}

describe('an upgrade', () => {
  it('from the previous gt to this one: gt daemon restart hands over, the agents untouched', async () => {
    const scratch = tempDir('upgrade');
    const prefix = `${scratch}/prefix`;
    const previous = await previousTarball(scratch);
    const current = await packTarball(scratch);
    const oldGt = await installedQuickly(prefix, previous.tarball);
    const town = await makeTown({
      bin: oldGt,
      settings: { daemon: { heartbeat: '200ms', keep_alive: ['mayor', MAX], host: hostname() } },
    });
    await town.gtOk(['daemon', 'start']);
    await waitFor('both agents started', () => starts(town).length === 2, 30_000, 50);
    const before = await panes(town);
    expect(before).toHaveLength(2);

    const newGt = await installedQuickly(prefix, current.tarball);
    expect(newGt).toBe(oldGt); // the same path, now the new gt
    const held: Array<number | null> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) held.push((await queryHolder(town.root, hostname(), 200))?.pid ?? null);
    })();
    const env = agentEnv(town, MAX, 'gt-alpha-crew-max');
    const [restart] = await Promise.all([
      town.gtOk(['daemon', 'restart', '--json'], { timeoutMs: 120_000 }),
      town.gtOk(['handoff', '-s', 'during the upgrade', '-m', 'carried on'], { env }),
    ]);
    const { from, to } = JSON.parse(restart) as { from: Side; to: Side };
    expect(to.pid).not.toBe(from.pid);
    await waitFor(
      'max cycled once by its request',
      () => starts(town, MAX).length === 2,
      30_000,
      50,
    );
    sampling = false;
    await sampler;
    expect(held.filter((p, i) => p !== null && p !== held[i - 1])).toEqual([from.pid, to.pid]);
    await waitFor('the old daemon gone', () => daemonsOf(town.root).length === 1, 10_000, 50);
    expect(daemonsOf(town.root)).toEqual([to.pid]);
    const after = await panes(town);
    const mayor = (list: string[]) => list.filter((p) => p.startsWith('mayor '));
    expect(mayor(after)).toEqual(mayor(before));
    expect(starts(town, 'mayor')).toHaveLength(1);
    expect(starts(town, MAX)).toHaveLength(2);
    const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
      pid: number;
      same_build: boolean;
      build: string;
    };
    expect(status).toMatchObject({ pid: to.pid, same_build: true });
    expect(status.build).not.toBe(from.build ?? 'none');
  }, 600_000);
});
