import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gt, gtOk } from '../helpers/cli.js';
import { makeOrigin } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';
import type { MessageJson } from '../../src/mail/mail.js';

/** What gt mail inbox --json prints, element by element. */
type MailJson = MessageJson;

async function townWithCrew(): Promise<string> {
  const root = join(tempDir('town'), 'town');
  await gtOk(['install', root]);
  await gtOk(['rig', 'add', 'alpha', makeOrigin(tempDir('origin'))], { cwd: root });
  await gtOk(['crew', 'add', 'max', '--rig', 'alpha'], { cwd: root });
  return root;
}

async function inbox(root: string, ...args: string[]): Promise<MailJson[]> {
  return JSON.parse(await gtOk(['mail', 'inbox', ...args, '--json'], { cwd: root })) as MailJson[];
}

function dbDump(root: string): string {
  return execFileSync('sqlite3', [join(root, '.gt', 'town.db'), 'SELECT count(*) FROM messages;'], {
    encoding: 'utf8',
  });
}

describe('gt mail', () => {
  it('send → inbox --json in the original daemon’s shape, canonical addresses, RFC 3339 time', async () => {
    const root = await townWithCrew();
    expect(await inbox(root, 'alpha/crew/max')).toEqual([]);
    await gtOk(
      [
        'mail',
        'send',
        'alpha-crew-max',
        '-s',
        'hi',
        '-m',
        'body',
        '--priority',
        'high',
        '--type',
        'task',
        '--from',
        'alpha-witness',
      ],
      { cwd: root },
    );
    const [msg, ...rest] = await inbox(root, '--identity', 'alpha/crew/max');
    expect(rest).toEqual([]);
    expect(msg).toMatchObject({
      from: 'alpha/witness',
      to: 'alpha/crew/max',
      subject: 'hi',
      body: 'body',
      read: false,
      priority: 'high',
      type: 'task',
    });
    expect(Object.keys(msg ?? {}).sort()).toEqual([
      'body',
      'from',
      'id',
      'priority',
      'read',
      'subject',
      'thread_id',
      'timestamp',
      'to',
      'type',
    ]);
    expect(msg?.thread_id).toMatch(/^thread-[0-9a-f]{12}$/);
    expect(msg?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('the sender is --from, else GT_ROLE, else mayor', async () => {
    const root = await townWithCrew();
    await gtOk(['mail', 'send', 'mayor', '-s', 'a'], { cwd: root });
    await gtOk(['mail', 'send', 'mayor', '-s', 'b'], {
      cwd: root,
      env: { GT_ROLE: 'alpha/crew/max' },
    });
    const froms = (await inbox(root, 'mayor')).map((m) => [m.subject, m.from]);
    expect(froms).toEqual([
      ['b', 'alpha/crew/max'],
      ['a', 'mayor'],
    ]);
  });

  it('inbox defaults to GT_ROLE; read leaves it unread, mark-read marks it; --unread filters; check exits 0 or 1', async () => {
    const root = await townWithCrew();
    const sent = JSON.parse(
      await gtOk(['mail', 'send', 'alpha/crew/max', '-s', 'x', '--thread', 't-1', '--json'], {
        cwd: root,
      }),
    ) as MailJson;
    expect(sent.thread_id).toBe('t-1');
    const env = { GT_ROLE: 'alpha/crew/max' };
    expect((await gt(['mail', 'check'], { cwd: root, env })).code).toBe(0);
    expect((await gt(['mail', 'check', 'mayor'], { cwd: root })).code).toBe(1);
    const peek = JSON.parse(
      await gtOk(['mail', 'read', sent.id, '--peek', '--json'], { cwd: root }),
    ) as MailJson;
    expect(peek.read).toBe(false);
    expect(await gtOk(['mail', 'read', sent.id], { cwd: root })).toMatch(/subject:\s+x/);
    expect((await gt(['mail', 'check'], { cwd: root, env })).code).toBe(0);
    await gtOk(['mail', 'mark-read', sent.id], { cwd: root });
    expect(await inbox(root, '--unread')).toEqual([]);
    expect(
      (await gt(['mail', 'inbox', '--unread', '--json'], { cwd: root, env })).stdout.trim(),
    ).toBe('[]');
    expect((await gt(['mail', 'check'], { cwd: root, env })).code).toBe(1);
    expect(JSON.parse((await gt(['mail', 'check', '--json'], { cwd: root, env })).stdout)).toEqual({
      address: 'alpha/crew/max',
      unread: 0,
      has_new: false,
    });
  });

  it('delete removes; a missing or malformed id is a clear error', async () => {
    const root = await townWithCrew();
    const sent = JSON.parse(
      await gtOk(['mail', 'send', 'mayor', '-s', 'x', '--json'], { cwd: root }),
    ) as MailJson;
    await gtOk(['mail', 'delete', sent.id], { cwd: root });
    const again = await gt(['mail', 'delete', sent.id], { cwd: root });
    expect([again.code, again.stderr]).toEqual([1, `gt: no message ${sent.id}\n`]);
    const bad = await gt(['mail', 'read', '../../etc/passwd'], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a message id/);
  });

  it('bad input: one line on stderr, exit 2, nothing written', async () => {
    const root = await townWithCrew();
    const before = dbDump(root);
    const cases: Array<[string[], RegExp]> = [
      [['mail', 'send', 'nobody', '-s', 'x'], /unknown address "nobody"/],
      [['mail', 'send', 'beta/crew/max', '-s', 'x'], /no rig named beta/],
      [['mail', 'send', 'alpha/crew/nobody', '-s', 'x'], /no crew member nobody/],
      [['mail', 'send', '../../etc', '-s', 'x'], /address/],
      [['mail', 'send', 'mayor'], /a subject is needed \(-s SUBJECT\)/],
      [['mail', 'send', 'mayor', '-s', ''], /subject is empty/],
      [['mail', 'send', 'mayor', '-s', 'x'.repeat(1025)], /subject is 1025 bytes/],
      [
        ['mail', 'send', 'mayor', '-s', 'x', '-m', 'y'.repeat(64 * 1024 + 1)],
        /body is 65537 bytes/,
      ],
      [['mail', 'send', 'mayor', '-s', 'x', '--priority', 'asap'], /unknown priority/],
      [['mail', 'send', 'mayor', '-s', 'x', '--type', 'Bad Type'], /bad message type/],
      [['mail', 'send', 'mayor', '-s', 'x', '--from', 'nobody'], /unknown address/],
      [['mail', 'inbox', 'Alpha/witness'], /address/],
      [['mail', 'send', 'mayor', '-s', 'x', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await gt(args, { cwd: root });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0], args.join(' ')).toMatch(message);
      expect(result.stderr).toMatch(/^gt: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(dbDump(root)).toBe(before);
  });

  it('a 64 KiB body and a 1 KiB subject are accepted whole', async () => {
    const root = await townWithCrew();
    const body = 'é'.repeat(32 * 1024);
    await gtOk(['mail', 'send', 'mayor', '-s', 's'.repeat(1024), '-m', body], { cwd: root });
    expect((await inbox(root, 'mayor'))[0]?.body).toBe(body);
  });

  it('a corrupt store is reported, not overwritten', async () => {
    const root = await townWithCrew();
    const db = join(root, '.gt', 'town.db');
    for (const suffix of ['-wal', '-shm'])
      if (existsSync(db + suffix)) writeFileSync(db + suffix, '');
    writeFileSync(db, 'garbage'.repeat(1000));
    const result = await gt(['mail', 'inbox'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^gt: the store .* is not a valid database/);
    expect(readFileSync(db, 'utf8')).toBe('garbage'.repeat(1000));
  });

  it('a store from a newer gt is refused', async () => {
    const root = await townWithCrew();
    execFileSync('sqlite3', [join(root, '.gt', 'town.db'), 'PRAGMA user_version = 42;']);
    const result = await gt(['mail', 'send', 'mayor', '-s', 'x'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/schema version 42, newer than this gt knows/);
  });

  it('an unreadable store is a clear error (store folder without permission)', async () => {
    const root = await townWithCrew();
    // The test may run as root, which ignores file modes; replace the file by a folder instead.
    const db = join(root, '.gt', 'town.db');
    execFileSync('rm', ['-f', db, `${db}-wal`, `${db}-shm`]);
    execFileSync('mkdir', [db]);
    chmodSync(db, 0o700);
    const result = await gt(['mail', 'inbox'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^gt: /);
    expect(result.stderr).toMatch(/town\.db/);
  });

  it('subjects and bodies with shell and tmux syntax are stored as text, never run', async () => {
    const root = await townWithCrew();
    const marker = join(root, 'pwned');
    const nasty = `$(touch ${marker}); \`touch ${marker}\` #(touch ${marker}) '; touch ${marker}; '`;
    await gtOk(['mail', 'send', 'mayor', '-s', nasty, '-m', nasty], { cwd: root });
    const [msg] = await inbox(root, 'mayor');
    expect(msg?.subject).toBe(nasty);
    expect(existsSync(marker)).toBe(false);
  });

  it('control characters in mail never reach the terminal raw', async () => {
    const root = await townWithCrew();
    await gtOk(['mail', 'send', 'mayor', '-s', 'a\u001b[31mred', '-m', 'b\u001b]0;title\u0007'], {
      cwd: root,
    });
    const listing = await gtOk(['mail', 'inbox', 'mayor'], { cwd: root });
    expect(listing).not.toContain('\u001b');
    const [msg] = await inbox(root, 'mayor');
    expect(await gtOk(['mail', 'read', msg?.id ?? ''], { cwd: root })).not.toContain('\u001b');
    expect(msg?.subject).toBe('a\u001b[31mred');
  });
});
