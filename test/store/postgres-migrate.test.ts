// `gt store migrate` as a user meets it: a SQLite town copied into PostgreSQL, checked, and
// switched over; refused when the target holds data, there is no target, or a daemon runs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { gt, gtOk } from '../helpers/cli.js';
import { settingsOf as settings, usePostgres, withPg } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';
import { makeTown, runDaemon } from '../helpers/town.js';
import { mail } from './store-suite.js';

const server = usePostgres();

describe('gt store migrate', () => {
  it('copies mail, agents and events, checks the counts, and switches the town', async () => {
    const root = join(tempDir('town'), 'town');
    await gtOk(['install', root]);
    const env = { GT_TOWN_ROOT: root };
    for (const subject of ['one', 'two', 'three'])
      await gtOk(['mail', 'send', 'mayor', '-s', subject, '-m', `body ${subject} ☃`], { env });
    const sqlite = SqliteStore.open(join(root, '.gt', 'town.db'));
    const first = (await sqlite.listInbox('mayor'))[2];
    await sqlite.markRead(first?.id ?? '', true);
    await sqlite.sendMessage(mail({ to: 'deacon', from: 'alpha/crew/max' }));
    await sqlite.patchAgent('alpha/crew/max', {
      host: 'h1',
      restarts: [1, 2],
      sessionConfirmed: true,
    });
    await sqlite.recordEvent({
      kind: 'agent.started',
      identity: 'alpha/crew/max',
      data: { a: [1] },
    });
    const before = {
      inbox: await sqlite.listInbox('mayor'),
      deacon: await sqlite.listInbox('deacon', { all: true }),
      agents: await sqlite.listAgents(),
      events: await sqlite.listEvents(),
    };
    await sqlite.close();
    const inboxJson = await gtOk(['mail', 'inbox', 'mayor', '--json'], { env });

    const url = await server.freshDatabase();
    const out = JSON.parse(await gtOk(['store', 'migrate', '--to', url, '--json'], { env })) as {
      messages: number;
      events: number;
      agents: number;
    };
    expect(out).toMatchObject({ messages: 4, events: 1, agents: 1 });
    expect(settings(root).store?.url).toBe(url);
    // the town now reads PostgreSQL and sees exactly what it had
    expect(await gtOk(['mail', 'inbox', 'mayor', '--json'], { env })).toBe(inboxJson);
    await withPg(url, async (store) => {
      expect(await store.listInbox('mayor')).toEqual(before.inbox);
      expect(await store.listInbox('deacon', { all: true })).toEqual(before.deacon);
      expect(await store.listAgents()).toEqual(before.agents);
      expect(await store.listEvents()).toEqual(before.events);
      // new rows continue the copied sequences
      const next = await store.sendMessage(mail({ to: 'mayor' }));
      expect(next.seq).toBeGreaterThan(Math.max(...before.inbox.map((m) => m.seq)));
    });

    // a target that holds something is refused, unless --force
    const again = await gt(['store', 'migrate', '--to', url], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds 5 messages.*\n.*--force/);
    await gtOk(['store', 'migrate', '--to', url, '--force'], { env });
    expect(await withPg(url, (store) => store.listInbox('mayor'))).toEqual(before.inbox);
  });

  it('needs a target, a SQLite store, and no running daemon', async () => {
    const root = join(tempDir('town'), 'town');
    await gtOk(['install', root]);
    const none = await gt(['store', 'migrate'], { env: { GT_TOWN_ROOT: root } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no PostgreSQL store to migrate to/);
    const url = await server.freshDatabase();
    const onPg = join(tempDir('town'), 'town');
    await gtOk(['install', onPg, '--store', url]);
    const nothing = await gt(['store', 'migrate'], { env: { GT_TOWN_ROOT: onPg } });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/no SQLite store/);
    // a daemon serving the SQLite store would miss mail sent during the copy
    const town = await makeTown({ crew: [] });
    const daemon = await runDaemon(town);
    const busy = await town.gt(['store', 'migrate', '--to', url]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(
      new RegExp(`daemon \\(pid ${daemon.child.pid}\\) is using the store`),
    );
    expect(settings(town.root).store).toBeUndefined();
  });
});
