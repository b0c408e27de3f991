// Gas Town's command line, row by row (../shared/COMPAT.md): for each row gastown-ts
// implements, the invocation a Gas Town user types and what it must print or do, run
// against the built `gt` in one real town. Rows where we deliberately differ are in README.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions, RunResult } from '../helpers/cli.js';
import { gt } from '../helpers/cli.js';
import { makeOrigin } from '../helpers/git.js';
import { suiteDir, suiteSocket } from '../helpers/temp.js';
import { TINY_AGENT } from '../helpers/town.js';

interface Town {
  root: string;
  env: Record<string, string>;
  run(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  json<T>(args: readonly string[], opts?: RunOptions): Promise<T>;
}

interface Mail {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  read: boolean;
  priority: string;
  type: string;
  thread_id: string;
  reply_to?: string;
}

let town: Town;

beforeAll(async () => {
  const base = suiteDir('compat');
  const root = join(base, 'town');
  const env = { GT_TOWN_ROOT: root, GT_TMUX_SOCKET: suiteSocket() };
  const run = (args: readonly string[], opts: RunOptions = {}): Promise<RunResult> =>
    gt(args, { ...opts, env: { ...env, ...opts.env } });
  const ok = async (args: readonly string[], opts?: RunOptions): Promise<string> => {
    const r = await run(args, opts);
    if (r.code !== 0) throw new Error(`gt ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  await ok(['install', root, '--name', 'compat']);
  await ok(['rig', 'add', 'alpha', makeOrigin(base), '--crew', 'max']);
  await ok(['crew', 'add', 'alpha/ada', 'bob']);
  const settings = {
    lifecycle: { require_verified_sender: false },
    agents: { crew: { command: TINY_AGENT, sync: false } },
  };
  writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify(settings));
  town = {
    root,
    env,
    run,
    json: async <T>(args: readonly string[], opts?: RunOptions) =>
      JSON.parse(await ok(args, opts)) as T,
  };
}, 60_000);

afterAll(async () => {
  // The daemon `gt handoff` started (if the town was made at all).
  await (town as Town | undefined)?.run(['daemon', 'stop']);
});

const send = (args: string[], opts?: RunOptions): Promise<Mail> =>
  town.json<Mail>(['mail', 'send', ...args, '--json'], opts);

describe('compat: mail send', () => {
  it.each([
    ['0', 'urgent'],
    ['1', 'high'],
    ['2', 'normal'],
    ['3', 'low'],
    ['4', 'low'],
    ['high', 'high'],
  ])('--priority %s → %s', async (given, stored) => {
    expect((await send(['mayor', '-s', `p${given}`, '--priority', given])).priority).toBe(stored);
  });

  it('--urgent is priority urgent; -n/--notify is accepted', async () => {
    expect((await send(['mayor', '-s', 'u', '--urgent', '-n'])).priority).toBe('urgent');
  });

  it('--type defaults to notification; every message has a thread_id', async () => {
    const m = await send(['mayor', '-s', 'typed']);
    expect(m.type).toBe('notification');
    expect(m.thread_id).toMatch(/^thread-[0-9a-f]{12}$/);
  });

  it('--reply-to makes a reply in the parent’s thread', async () => {
    const parent = await send(['alpha/crew/max', '-s', 'question']);
    const reply = await send(['mayor', '-s', 'answer', '--reply-to', parent.id]);
    expect(reply).toMatchObject({
      type: 'reply',
      thread_id: parent.thread_id,
      reply_to: parent.id,
    });
  });

  it('--stdin and --body carry the body', async () => {
    expect((await send(['mayor', '-s', 'in', '--stdin'], { input: 'from stdin\n' })).body).toBe(
      'from stdin',
    );
    expect((await send(['mayor', '-s', 'b', '--body', 'from --body'])).body).toBe('from --body');
  });

  it('--to (repeatable) and --cc: one message each, one thread', async () => {
    const sent = await town.json<Mail[]>([
      'mail',
      'send',
      '--to',
      'alpha/max',
      '--to',
      'alpha/ada',
      '--cc',
      'mayor',
      '-s',
      'all',
      '--json',
    ]);
    expect(sent.map((m) => m.to)).toEqual(['alpha/crew/max', 'alpha/crew/ada', 'mayor']);
    expect(new Set(sent.map((m) => m.thread_id)).size).toBe(1);
  });

  it('--self mails who you are (GT_ROLE); --human mails the overseer', async () => {
    const self = await send(['-s', 'note to self', '--self'], {
      env: { GT_ROLE: 'alpha/crew/bob' },
    });
    expect([self.from, self.to]).toEqual(['alpha/crew/bob', 'alpha/crew/bob']);
    expect((await send(['-s', 'help', '--human'])).to).toBe('overseer');
  });

  it('addresses: <rig>/<name>, <rig>/ (every agent of the rig), overseer', async () => {
    expect((await send(['alpha/max', '-s', 'short'])).to).toBe('alpha/crew/max');
    expect((await send(['overseer', '-s', 'hi human'])).to).toBe('overseer');
    const all = await town.json<Mail[]>(['mail', 'send', 'alpha/', '-s', 'rig-wide', '--json']);
    expect(all.map((m) => m.to).sort()).toEqual([
      'alpha/crew/ada',
      'alpha/crew/bob',
      'alpha/crew/max',
      'alpha/refinery',
      'alpha/witness',
    ]);
  });
});

describe('compat: reading mail', () => {
  it('an empty inbox --json is []', async () => {
    expect((await town.run(['mail', 'inbox', 'deacon/', '--json'])).stdout.trim()).toBe('[]');
  });

  it('who am I: GT_ROLE as an address, or a bare role word with GT_RIG/GT_CREW, then the working directory', async () => {
    await send(['alpha/crew/ada', '-s', 'for ada']);
    const subjects = async (opts: RunOptions): Promise<string[]> =>
      (await town.json<Mail[]>(['mail', 'inbox', '--json'], opts)).map((m) => m.subject);
    expect(await subjects({ env: { GT_ROLE: 'alpha/crew/ada' } })).toContain('for ada');
    expect(await subjects({ env: { GT_ROLE: 'crew', GT_RIG: 'alpha', GT_CREW: 'ada' } })).toContain(
      'for ada',
    );
    expect(await subjects({ cwd: join(town.root, 'alpha', 'crew', 'ada') })).toContain('for ada');
  });

  it('inbox -u, --address, -a/--all', async () => {
    const m = await send(['alpha/crew/bob', '-s', 'to be archived']);
    await town.run(['mail', 'archive', m.id]);
    const open = await town.json<Mail[]>([
      'mail',
      'inbox',
      '--address',
      'alpha/crew/bob',
      '-u',
      '--json',
    ]);
    const all = await town.json<Mail[]>([
      'mail',
      'inbox',
      '--address',
      'alpha/crew/bob',
      '-a',
      '--json',
    ]);
    expect(open.map((x) => x.id)).not.toContain(m.id);
    expect(all.map((x) => x.id)).toContain(m.id);
  });

  it('read shows without marking read (also as `show`, or by inbox number); mark-read marks it', async () => {
    const m = await send(['alpha/crew/max', '-s', 'keep me']);
    const opts = { env: { GT_ROLE: 'alpha/crew/max' } };
    expect((await town.json<Mail>(['mail', 'read', m.id, '--json'], opts)).read).toBe(false);
    expect((await town.json<Mail>(['mail', 'show', '1', '--json'], opts)).id).toBe(m.id);
    await town.run(['mail', 'mark-read', m.id]);
    expect((await town.json<Mail>(['mail', 'read', m.id, '--json'])).read).toBe(true);
  });

  it('check --json has has_new; check --inject prints one block and exits 0, with mail or without', async () => {
    const opts = { env: { GT_ROLE: 'alpha/crew/ada' } };
    expect(await town.json(['mail', 'check', '--json'], opts)).toMatchObject({ has_new: true });
    const inject = await town.run(['mail', 'check', '--inject'], opts);
    expect(inject.code).toBe(0);
    expect(inject.stdout).toMatch(
      /^<system-reminder>\n📬 \d+ unread messages? for alpha\/crew\/ada/,
    );
    const none = await town.run(['mail', 'check', '--inject', '--identity', 'deacon']);
    expect([none.code, none.stdout]).toEqual([0, '']);
    const broken = await town.run(['mail', 'check', '--inject'], {
      env: { GT_TOWN_ROOT: '/nonexistent' },
    });
    expect(broken.code).toBe(0);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it('peek, thread, reply; delete takes several ids', async () => {
    const first = await send(['alpha/crew/bob', '-s', 'peek me']);
    const peek = await town.run(['mail', 'peek', '--identity', 'alpha/crew/bob']);
    expect(peek.stdout).toMatch(/peek me/);
    const reply = await town.json<Mail>(['mail', 'reply', first.id, '-m', 'ok', '--json'], {
      env: { GT_ROLE: 'alpha/crew/bob' },
    });
    expect(reply).toMatchObject({
      to: 'mayor',
      subject: 'Re: peek me',
      thread_id: first.thread_id,
    });
    const thread = await town.json<Mail[]>(['mail', 'thread', first.thread_id, '--json']);
    expect(thread.map((m) => m.id)).toEqual([first.id, reply.id]);
    expect((await town.run(['mail', 'delete', first.id, reply.id])).code).toBe(0);
    expect((await town.run(['mail', 'read', first.id])).code).toBe(1);
  });

  it('the status line shows the agent’s unread count (gt status-line)', async () => {
    const count = await town.json<{ unread: number }>([
      'status-line',
      '--identity',
      'alpha/crew/ada',
      '--json',
    ]);
    expect(count.unread).toBeGreaterThan(0);
    expect((await town.run(['status-line', '--identity', 'alpha/crew/ada'])).stdout).toBe(
      `📬 ${count.unread}\n`,
    );
    expect((await town.run(['status-line', '--identity', 'deacon'])).stdout).toBe('');
  });
});

describe('compat: status, towns, environment', () => {
  it('status --json has Gas Town’s fields beside ours; `gt stat` is status', async () => {
    const status = await town.json<{
      name: string;
      location: string;
      agents: Array<Record<string, unknown>>;
      rigs: Array<{ name: string; crews: string[] }>;
      summary: { rig_count: number; crew_count: number };
    }>(['stat', '--json']);
    expect(status).toMatchObject({ name: 'compat', location: town.root });
    expect(status.agents.find((a) => a.address === 'alpha/crew/max')).toMatchObject({
      name: 'max',
      session: 'gt-alpha-crew-max',
      role: 'crew',
      running: false,
    });
    expect(status.rigs).toEqual([
      expect.objectContaining({ name: 'alpha', crews: ['ada', 'bob', 'max'] }),
    ]);
    expect(status.summary).toMatchObject({ rig_count: 1, crew_count: 3 });
  });

  it('GT_ROOT names the town as GT_TOWN_ROOT does', async () => {
    const r = await gt(['mail', 'inbox', 'mayor', '--json'], {
      env: { GT_ROOT: town.root },
      cwd: '/',
    });
    expect(r.code).toBe(0);
  });

  it('install takes `.` by default, and --force into a folder with files', async () => {
    const dir = join(suiteDir('compat-install'), 'here');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    expect((await gt(['install'], { cwd: dir })).code).toBe(2);
    expect((await gt(['install', '--force', '-n', 'here'], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, 'mayor', 'town.json'))).toBe(true);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect((await gt(['install', '--force'], { cwd: dir })).code).toBe(1);
  });

  it('crew add takes the rig from the working directory, and several names', async () => {
    const r = await town.run(['crew', 'add', 'cy', 'dee', '--json'], {
      cwd: join(town.root, 'alpha'),
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ address: string }>).map((c) => c.address)).toEqual([
      'alpha/crew/cy',
      'alpha/crew/dee',
    ]);
  });

  it('handoff -s -m mails the note to the agent itself, and starts a daemon when none runs', async () => {
    const opts = { env: { GT_ROLE: 'alpha/crew/bob' } };
    const out = await town.json<{ handoff_mail_id: string; daemon_started?: number }>(
      ['handoff', '-s', 'auth work', '-m', 'tests pass; next: docs', '--json'],
      opts,
    );
    expect(out.daemon_started).toBeGreaterThan(0);
    const note = await town.json<Mail>(['mail', 'read', out.handoff_mail_id, '--json']);
    expect(note).toMatchObject({
      from: 'alpha/crew/bob',
      to: 'alpha/crew/bob',
      subject: '🤝 HANDOFF: auth work',
      body: 'tests pass; next: docs',
    });
  });

  it('sessions get GT_RIG, GT_CREW and GT_SESSION besides GT_ROLE', async () => {
    await town.run(['session', 'start', 'alpha/crew/ada']);
    const env = execFileSync(
      'tmux',
      ['-L', town.env.GT_TMUX_SOCKET ?? '', 'show-environment', '-t', 'gt-alpha-crew-ada'],
      {
        encoding: 'utf8',
      },
    );
    for (const line of [
      'GT_RIG=alpha',
      'GT_CREW=ada',
      'GT_SESSION=gt-alpha-crew-ada',
      'GT_ROLE=alpha/crew/ada',
    ])
      expect(env.split('\n')).toContain(line);
  });
});
