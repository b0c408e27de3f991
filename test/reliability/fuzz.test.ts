// Fuzz suite: thousands of malformed and hostile messages in the deacon's inbox. The daemon
// must stay up, close or dead-letter every one with a reason, and touch no session and no file.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { NEVER } from '../../src/store/store.js';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/store/store.js';
import { GT_BIN } from '../helpers/cli.js';
import { waitFor } from '../helpers/temp.js';
import type { TestTown } from '../helpers/town.js';
import { makeTown, runDaemon, starts } from '../helpers/town.js';
import type { Generated } from './hostile-mail.js';
import { generate, GENUINE_ID } from './hostile-mail.js';
import {
  seeded,
  sessionPids,
  snapshotDiff,
  snapshotTree,
  STRESS,
  storePath,
  withStore,
} from './helpers.js';

const CASES = STRESS ? 50_000 : 10_000;
const CREW = ['max', 'ann'];

/** Inserts everything in a few transactions; raw bytes and odd times go in through SQL. */
async function insertAll(town: TestTown, cases: Generated[]): Promise<Message[]> {
  const sent = await withStore(town, async (store) => {
    const all: Message[] = [];
    for (let i = 0; i < cases.length; i += 1000) {
      const promises = store.transaction(() =>
        cases.slice(i, i + 1000).map((c) => store.sendMessage(c.msg)),
      );
      all.push(...(await Promise.all(promises)));
    }
    return all;
  });
  const db = new Database(storePath(town));
  try {
    db.pragma('busy_timeout = 5000');
    const update = {
      subject: db.prepare('UPDATE messages SET subject = CAST(? AS TEXT) WHERE id = ?'),
      body: db.prepare('UPDATE messages SET body = CAST(? AS TEXT) WHERE id = ?'),
      from_addr: db.prepare('UPDATE messages SET from_addr = CAST(? AS TEXT) WHERE id = ?'),
    };
    const time = db.prepare('UPDATE messages SET created_at = ? WHERE id = ?');
    db.transaction(() => {
      cases.forEach((c, i) => {
        const id = sent[i]?.id;
        if (c.raw) update[c.raw.column].run(c.raw.bytes, id);
        if (c.createdAt !== undefined) time.run(c.createdAt, id);
      });
    })();
  } finally {
    db.close();
  }
  return sent;
}

/** A few hostile messages the way a user would send them: argv bytes that are not UTF-8. */
function sendRawArgv(town: TestTown): number {
  const subjects = ['LIFECYCLE: \\xff\\xfe', 'LIFECYCLE: \\xc3\\x28', 'hi \\xed\\xa0\\x80'];
  const bodies = ['\\xffcycle', 'action: \\xc0\\xaf', '{"action":"cycle\\xff"}'];
  let n = 0;
  for (const s of subjects) {
    for (const b of bodies) {
      // printf makes the bytes; "$@" hands them to gt as they are.
      execFileSync(
        'bash',
        [
          '-c',
          `exec "$0" "$1" mail send deacon/ -s "$(printf '${s}')" -m "$(printf '${b}')" --from alpha/crew/max`,
          process.execPath,
          GT_BIN,
        ],
        { env: { ...process.env, ...town.env }, stdio: 'ignore' },
      );
      n += 1;
    }
  }
  return n;
}

function query<T>(town: TestTown, sql: string): T[] {
  const db = new Database(storePath(town), { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/**
 * Messages to the deacon neither closed with an outcome, dead-lettered with an error, nor
 * left as plain mail (not a request: open for good, with the reason).
 */
function unexplainedMessages(town: TestTown): unknown[] {
  return query(
    town,
    `SELECT id, status, outcome, last_error FROM messages WHERE to_addr = 'deacon' AND NOT (
      (status = 'done' AND length(outcome) > 0) OR (status = 'dead' AND length(last_error) > 0)
      OR (status = 'open' AND next_attempt_at = ${NEVER} AND outcome = 'ignored'
        AND length(outcome_reason) > 0))`,
  );
}

/**
 * Ids of messages the daemon closed or dead-lettered, with the reason, by their events (the
 * heartbeat's purge may already have removed a settled message whose timestamp is old).
 */
function settledIds(town: TestTown): Set<string> {
  const rows = query<{ message_id: string }>(
    town,
    `SELECT DISTINCT message_id FROM events WHERE message_id IS NOT NULL AND length(reason) > 0
      AND kind IN ('mail.ignored', 'request.rejected', 'request.dead', 'request.done')`,
  );
  return new Set(rows.map((r) => r.message_id));
}

/** What the protocol and the daemon may change in a town: the store, the daemon folder, logs. */
function volatile(rel: string): boolean {
  return rel.startsWith('.gt') || rel === 'daemon' || rel.startsWith('daemon/');
}

describe('fuzz suite: hostile mail in the deacon’s inbox', () => {
  it(
    `${CASES} generated messages are each closed or dead-lettered with a reason; nothing else moves`,
    async () => {
      const rand = seeded('fuzz');
      const town = await makeTown({ crew: CREW, settings: { daemon: { heartbeat: '30s' } } });
      const base = dirname(town.root);
      const sibling = join(base, 'sibling');
      execFileSync('mkdir', ['-p', join(sibling, 'decoy'), join(sibling, 'etc')]);
      writeFileSync(join(sibling, 'decoy', 'state.json'), '{"requesting_cycle":true}\n');
      writeFileSync(join(sibling, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
      for (const name of CREW) await town.gtOk(['session', 'start', `alpha/crew/${name}`]);
      await waitFor('both agents started', () => starts(town).length === CREW.length);
      const askedAt = Date.now();
      // ann asks to be cycled, with an id no generated message carries; max asks for nothing.
      writeFileSync(
        join(town.root, 'alpha', 'crew', 'ann', 'state.json'),
        `${JSON.stringify({ requesting_cycle: true, requesting_time: new Date(askedAt).toISOString(), requesting_id: GENUINE_ID, task: 'keep me' })}\n`,
      );
      writeFileSync(join(town.root, 'alpha', 'crew', 'max', 'state.json'), '{"task":"keep me"}\n');

      const cases = Array.from({ length: CASES }, () => generate(rand, askedAt));
      await insertAll(town, cases);
      const viaArgv = sendRawArgv(town);
      const outside = snapshotTree(base, (rel) => rel === 'town' || rel.startsWith('town/'));
      const inside = snapshotTree(town.root, volatile);
      const pids = sessionPids(town);
      const startsBefore = starts(town);

      const ids = query<{ id: string }>(town, `SELECT id FROM messages WHERE to_addr = 'deacon'`);
      const daemon = await runDaemon(town);
      const total = CASES + viaArgv;
      expect(ids).toHaveLength(total);
      let settled = 0;
      await waitFor(
        `the daemon to settle all ${total} messages`,
        () => {
          const closed = settledIds(town);
          settled = ids.filter(({ id }) => closed.has(id)).length;
          return settled === total;
        },
        STRESS ? 600_000 : 90_000,
        250,
      ).catch((err: Error) => {
        const tail = daemon.output().split('\n').slice(-15).join('\n');
        throw new Error(`${err.message}; seed ${rand.seed}; ${settled} settled; daemon: ${tail}`);
      });
      expect(await withStore(town, (s) => s.countByStatus('deacon'))).toMatchObject({
        open: 0,
        claimed: 0,
      });
      const context = `seed ${rand.seed}`;
      const kinds = query<{ kind: string; outcome: string; n: number }>(
        town,
        `SELECT kind, outcome, count(*) AS n FROM events GROUP BY kind, outcome ORDER BY n DESC`,
      );
      console.log(`[fuzz] ${total} messages settled (${context}):`, JSON.stringify(kinds));
      expect(daemon.child.exitCode, context).toBeNull();
      const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as { pid: number };
      expect(status.pid, context).toBe(daemon.child.pid);

      const unexplained = unexplainedMessages(town);
      expect(unexplained, context).toEqual([]);
      const acted = await withStore(town, async (store) =>
        (await store.listEvents()).filter((e) => e.kind === 'request.done'),
      );
      expect(acted, context).toEqual([]);

      expect(starts(town), context).toEqual(startsBefore);
      expect(sessionPids(town), context).toEqual(pids);
      expect(
        snapshotDiff(
          outside,
          snapshotTree(base, (rel) => rel === 'town' || rel.startsWith('town/')),
        ),
        context,
      ).toEqual([]);
      expect(snapshotDiff(inside, snapshotTree(town.root, volatile)), context).toEqual([]);
      expect(await withStore(town, (s) => s.integrityCheck())).toBe('ok');
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited, context).toBe(0);
    },
    STRESS ? 900_000 : 150_000,
  );
});
