// The real `gt` on a PostgreSQL town: a daemon process, an agent's handoff, real tmux.
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/temp.js';
import { agentEnv, events, makeTown, runDaemon, starts } from '../helpers/town.js';

const server = usePostgres();
const MAX = 'alpha/crew/max';

describe('gt daemon run on PostgreSQL', () => {
  it('carries out a handoff once, and records the session under the daemon’s host', async () => {
    const url = await server.freshDatabase();
    const town = await makeTown({ settings: { store: { url }, daemon: { host: 'host-a' } } });
    await town.gtOk(['session', 'start', MAX]);
    await waitFor('the first start', () => starts(town, MAX).length === 1);
    await runDaemon(town);
    const out = JSON.parse(
      await town.gtOk(['handoff', '--no-daemon', '--wait', '--json'], {
        env: agentEnv(town, MAX, 'gt-alpha-crew-max'),
      }),
    ) as Record<string, unknown>;
    expect(out).toMatchObject({ identity: MAX, status: 'done', outcome: 'done' });
    await waitFor('the new agent', () => starts(town, MAX).length === 2);
    expect((await events(town)).filter((e) => e.kind === 'request.done')).toHaveLength(1);
    const store = await PostgresStore.open(url);
    try {
      expect(await store.getAgent(MAX)).toMatchObject({ host: 'host-a', sessionConfirmed: true });
      expect(await store.countByStatus('deacon')).toEqual({
        open: 0,
        claimed: 0,
        done: 1,
        dead: 0,
      });
    } finally {
      await store.close();
    }
  });
});
