// The PostgreSQL store as a user meets it: `gt install --store`, and SQLite towns that never
// load the PostgreSQL driver.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION } from '../../src/store/postgres/schema.js';
import { describe, expect, it } from 'vitest';
import { gt, gtOk } from '../helpers/cli.js';
import { adminQuery, settingsOf as settings, usePostgres, withPg } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp.js';

const server = usePostgres();

describe('gt install --store', () => {
  it('makes a town on PostgreSQL: migrated, the URL kept private, no SQLite file', async () => {
    const url = await server.freshDatabase();
    const root = join(tempDir('town'), 'town');
    await gtOk(['install', root, '--store', url]);
    expect(settings(root).store?.url).toBe(url);
    expect(statSync(join(root, 'settings', 'config.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(root, '.gt', 'town.db'))).toBe(false);
    const versions = await adminQuery(url, 'SELECT count(*)::int AS n FROM gt_migrations');
    expect(versions.rows[0]).toEqual({ n: SCHEMA_VERSION });
    await gtOk(['mail', 'send', 'mayor', '-s', 'on postgres', '-m', 'hi'], {
      env: { GT_TOWN_ROOT: root },
    });
    const inbox = await withPg(url, (store) => store.listInbox('mayor'));
    expect(inbox.map((m) => [m.subject, m.body])).toEqual([['on postgres', 'hi']]);
  });

  it('a bad URL is bad usage and an unreachable server a failure; neither leaves a town or shows the password', async () => {
    const parent = tempDir('bad');
    const bad = await gt(['install', join(parent, 't'), '--store', 'mysql://u:pw@h/db']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gt: bad store URL .*postgres:\/\//);
    const down = await gt(
      ['install', join(parent, 't'), '--store', 'postgres://u:sekrit@127.0.0.1:1/db'],
      { timeoutMs: 30_000 },
    );
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the store postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/);
    for (const out of [bad.stderr, down.stderr]) expect(out).not.toMatch(/sekrit|:pw@/);
    expect(existsSync(join(parent, 't'))).toBe(false);
  });
});

describe('the PostgreSQL driver stays out of SQLite towns', () => {
  it('gt mail send on SQLite never loads pg; on PostgreSQL it does', async () => {
    const dir = tempDir('hook');
    const mark = join(dir, 'pg-loaded');
    const hook = join(dir, 'hook.cjs');
    writeFileSync(
      hook,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'pg') require('node:fs').writeFileSync(${JSON.stringify(mark)}, 'loaded');
  return resolve.call(this, request, ...rest);
};
`,
    );
    const env = { NODE_OPTIONS: `--require ${hook}` };
    const sqliteTown = join(tempDir('town'), 'town');
    await gtOk(['install', sqliteTown]);
    await gtOk(['mail', 'send', 'mayor', '-s', 'hi'], {
      env: { ...env, GT_TOWN_ROOT: sqliteTown },
    });
    expect(existsSync(mark)).toBe(false);
    const pgTown = join(tempDir('town'), 'town');
    await gtOk(['install', pgTown, '--store', await server.freshDatabase()]);
    await gtOk(['mail', 'send', 'mayor', '-s', 'hi'], { env: { ...env, GT_TOWN_ROOT: pgTown } });
    expect(existsSync(mark)).toBe(true);
  });
});
