// Concurrency: daemons started together on one town, and many processes sending and reading
// mail at once. Exactly one daemon runs; no message is lost or doubled; no "database is locked".
import { describe, expect, it } from 'vitest';
import { spawnGt } from '../helpers/cli.js';
import type { RunResult } from '../helpers/cli.js';
import { waitFor } from '../helpers/temp.js';
import { makeTown } from '../helpers/town.js';
import { seeded, STRESS } from './helpers.js';

const WORKERS = 8;
const SENDS = STRESS ? 100 : 25;

describe('daemons started at once', () => {
  it('4 × gt daemon run on one town: exactly one runs, the other three exit 1 saying why', async () => {
    const town = await makeTown();
    const daemons = Array.from({ length: 4 }, () => spawnGt(['daemon', 'run'], town.env));
    const losers: Array<RunResult & { pid: number }> = [];
    for (const d of daemons) void d.result.then((r) => losers.push({ pid: d.pid, ...r }));
    await waitFor('three daemons to give up', () => losers.length >= 3);
    expect(losers).toHaveLength(3);
    const winner = daemons.find((d) => !losers.some((l) => l.pid === d.pid));
    expect(winner).toBeDefined();
    const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
      running: boolean;
      pid: number;
    };
    expect(status).toMatchObject({ running: true, pid: winner?.pid });
    for (const loser of losers) {
      expect(loser.code).toBe(1);
      expect(loser.stderr).toMatch(
        new RegExp(
          `^gt: a daemon is already running for .* on this host \\(pid ${winner?.pid}\\)\\n`,
        ),
      );
    }
    winner?.kill('SIGTERM');
    expect((await winner?.result)?.code).toBe(0);
  });
});

describe('mail from many processes at once', () => {
  it(
    `${WORKERS} processes × ${SENDS} sends, with inbox reads: nothing lost, nothing doubled, never locked`,
    async () => {
      const rand = seeded('mail-concurrency');
      const town = await makeTown({ crew: ['max', 'ann'] });
      const recipients = ['mayor', 'alpha/crew/max', 'alpha/crew/ann', 'alpha/witness'];
      const failures: string[] = [];
      const sentIds: string[] = [];
      const check = (what: string, r: RunResult): void => {
        if (r.code !== 0 || /locked|SQLITE_BUSY/i.test(r.stderr))
          failures.push(`${what}: exit ${r.code}: ${r.stderr.trim()}`);
      };
      const worker = async (w: number): Promise<void> => {
        for (let i = 0; i < SENDS; i++) {
          const to = recipients[(w + i) % recipients.length] ?? 'mayor';
          const sent = await town.gt(
            ['mail', 'send', to, '-s', `w${w}-m${i}`, '-m', `body ${w} ${i}`, '--json'],
            { timeoutMs: 60_000 },
          );
          check(`send w${w}-m${i}`, sent);
          if (sent.code === 0) sentIds.push((JSON.parse(sent.stdout) as { id: string }).id);
          if (rand.chance(0.25)) {
            const inbox = await town.gt(['mail', 'inbox', rand.pick(recipients), '--json'], {
              timeoutMs: 60_000,
            });
            check(`inbox by w${w}`, inbox);
            const first = (JSON.parse(inbox.stdout || '[]') as Array<{ id: string }>)[0];
            if (first !== undefined)
              check(`mark-read by w${w}`, await town.gt(['mail', 'mark-read', first.id]));
          }
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      expect(failures, `seed ${rand.seed}`).toEqual([]);

      const all: Array<{ id: string; subject: string; to: string }> = [];
      for (const to of recipients) {
        const inbox = JSON.parse(await town.gtOk(['mail', 'inbox', to, '--json'])) as Array<{
          id: string;
          subject: string;
          to: string;
        }>;
        all.push(...inbox);
      }
      const subjects = all.map((m) => m.subject).sort();
      const expected = Array.from({ length: WORKERS }, (_, w) =>
        Array.from({ length: SENDS }, (_, i) => `w${w}-m${i}`),
      )
        .flat()
        .sort();
      expect(subjects).toEqual(expected);
      expect(new Set(all.map((m) => m.id)).size).toBe(WORKERS * SENDS);
      expect(new Set(sentIds)).toEqual(new Set(all.map((m) => m.id)));
    },
    STRESS ? 600_000 : 120_000,
  );
});
