// `gt mail send` and `gt status` in the forms agents and scripts use, handed to the daemon by the
// launcher (and by the native gt): the same mail stored, the same output, the same refusals as
// the full command.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult } from '../helpers/cli.js';
import type { TestTown } from '../helpers/town.js';
import { waitFor } from '../helpers/temp.js';
import { agentEnv, events, makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const DEBUG = { GT_DEBUG_HOOK: '1' };
const FULL = { GT_HOOK_VIA_DAEMON: 'off' };

interface MailJson {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  priority: string;
  type: string;
  thread_id: string;
  timestamp: string;
}

/** Runs `args` answered by the daemon (checked) and by gt itself, for the two to be compared. */
async function both(
  town: TestTown,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<{ fast: RunResult; full: RunResult }> {
  const fast = await town.gt(args, { ...opts, env: { ...opts.env, ...DEBUG } });
  const [first = '', ...rest] = fast.stderr.split(/(?<=\n)/);
  expect(first, args.join(' ')).toBe('gt: answered by the daemon\n');
  const full = await town.gt(args, { ...opts, env: { ...opts.env, ...FULL } });
  return { fast: { ...fast, stderr: rest.join('') }, full };
}

async function inbox(town: TestTown, who: string): Promise<MailJson[]> {
  return JSON.parse(await town.gtOk(['mail', 'inbox', who, '--json'])) as MailJson[];
}

/** What a message says, without what differs between any two sends (id, time, thread). */
const said = (m: MailJson): unknown[] => [m.from, m.to, m.subject, m.body, m.priority, m.type];

describe('gt mail send answered by the daemon', () => {
  it('stores what the full command stores, from whom the session says, and prints the same', async () => {
    const town = await makeTown();
    await runDaemon(town);
    await town.gtOk(['session', 'start', MAX]);
    const env = agentEnv(town, MAX, 'gt-alpha-crew-max');
    const args = ['mail', 'send', 'mayor', '-s', 'the build', '--message', 'is "red"\nagain'];
    const { fast, full } = await both(town, args, { env });
    expect([fast.code, fast.stderr]).toEqual([0, '']);
    expect(fast.stdout).toMatch(/^sent gm-\S+ to mayor\n$/);
    expect(full.stdout).toMatch(/^sent gm-\S+ to mayor\n$/);
    const [a, b] = await inbox(town, 'mayor');
    expect(a && b && said(a)).toEqual(b && said(b));
    expect(a?.from).toBe(MAX);
    // Both verified by the session's token.
    for (const m of [a, b]) {
      const shown = await town.gtOk(['mail', 'read', m?.id ?? ''], { env: { GT_ROLE: 'mayor' } });
      expect(shown).toContain(`from:     ${MAX} (verified)`);
    }

    const json = await both(town, ['mail', 'send', 'mayor', '-s', 'j', '-m', 'k', '--json'], {
      env: { GT_ROLE: 'mayor' },
    });
    const [fastJson, fullJson] = [json.fast, json.full].map(
      (r) => JSON.parse(r.stdout) as MailJson,
    );
    expect(fastJson && said(fastJson)).toEqual(fullJson && said(fullJson));
    expect(Object.keys(fastJson ?? {})).toEqual(Object.keys(fullJson ?? {}));
  });

  it('the native gt hands it over the same way', async () => {
    const town = await makeTown();
    await runDaemon(town);
    const r = await town.gt(['mail', 'send', MAX, '-s', 'from a hook', '-m', 'é 🚀'], {
      env: { ...DEBUG, GT_ROLE: 'mayor' },
      native: true,
    });
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by the daemon\n']);
    expect((await inbox(town, MAX)).map(said)).toEqual([
      ['mayor', MAX, 'from a hook', 'é 🚀', 'normal', 'notification'],
    ]);
  });

  it('what the command refuses, it says itself, and nothing is stored', async () => {
    const town = await makeTown();
    await runDaemon(town);
    for (const args of [
      ['mail', 'send', 'alpha/crew/nobody', '-s', 'x', '-m', 'y'],
      ['mail', 'send', '../etc', '-s', 'x'],
      ['mail', 'send', 'mayor', '-m', 'no subject'],
      ['mail', 'send', 'mayor', '-s', 'x'.repeat(2000)],
      ['mail', 'send', 'mayor', '-s', 'x', '-m', 'y', '--body', 'z'],
    ]) {
      const r = await town.gt(args, { env: DEBUG });
      const full = await town.gt(args, { env: FULL });
      expect(r.stderr, args.join(' ')).toBe(`gt: answered by gt itself\n${full.stderr}`);
      expect([r.code, r.stdout]).toEqual([full.code, full.stdout]);
      expect(r.code).not.toBe(0);
    }
    expect(await inbox(town, 'mayor')).toEqual([]);
  });
});

/** Status text without what changes from one moment to the next (ages, heartbeats). */
const steady = (text: string): string =>
  text
    .replace(/\b\d+ ?(ms|s|m|h)\b/g, 'D')
    .replace(/last heartbeat \S+, \d+ heartbeats/g, 'last heartbeat T, N heartbeats');

function steadyJson(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) =>
    ['uptime_seconds', 'last_heartbeat', 'heartbeat_count', 'activity_since'].includes(key)
      ? 'varies'
      : value,
  );
}

describe('gt status answered by the daemon', () => {
  it('says what the full command says, as text and as JSON', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await runDaemon(town);
    await town.gtOk(['mail', 'send', 'deacon', '-s', 'bogus', '-m', 'not a request']);
    const text = await both(town, ['status']);
    expect(text.fast.code).toBe(0);
    expect(steady(text.fast.stdout)).toBe(steady(text.full.stdout));
    expect(text.fast.stdout).toMatch(/alpha\/crew\/max/);
    const json = await both(town, ['stat', '--json']);
    expect(steadyJson(json.fast.stdout)).toEqual(steadyJson(json.full.stdout));
    expect(steadyJson(json.fast.stdout)).toMatchObject({ daemon: { running: true } });
  });

  it('with any other word, gt reads it: no request to the daemon', async () => {
    const town = await makeTown();
    await runDaemon(town);
    const r = await town.gt(['status', '--verbose'], { env: DEBUG });
    expect(r.stderr).not.toMatch(/answered by/);
    expect(r.code).not.toBe(0);
  });
});

describe('gt handoff and gt prime answered by the daemon', () => {
  it('a handoff is requested as the full command requests it, and carried out', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await runDaemon(town);
    const env = { ...agentEnv(town, MAX, 'gt-alpha-crew-max'), ...DEBUG };
    const r = await town.gt(['handoff', '-s', 'done for today', '-m', 'see the notes'], { env });
    expect(r.stderr).toBe('gt: answered by the daemon\n');
    const line = /^requested cycle of alpha\/crew\/max \(request (\S+), message \S+\)\n$/;
    const id = line.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    await waitFor('the cycle carried out', async () =>
      (await events(town)).some((e) => e.kind === 'request.done' && e.action === 'cycle'),
    );
    // The note waits for the successor, as the full command leaves it.
    const notes = (await inbox(town, MAX)).filter((m) => m.subject.includes('done for today'));
    expect(notes.map((m) => m.body)).toEqual(['see the notes']);
    // Refused (the shell cannot speak for the agent): the command says so itself.
    const forged = { GT_ROLE: MAX, GT_AGENT_TOKEN: 'not-the-token' };
    const refused = await town.gt(['handoff', '--restart', '--json'], {
      env: { ...forged, ...DEBUG },
    });
    const full = await town.gt(['handoff', '--restart', '--json'], { env: { ...forged, ...FULL } });
    expect(refused.stderr).toBe(`gt: answered by gt itself\n${full.stderr}`);
    expect(refused.code).toBe(full.code);
    expect(full.stderr).toMatch(/cannot speak for alpha\/crew\/max/);
  });

  it('gt prime says what the full command says, as text and as JSON', async () => {
    const town = await makeTown();
    await runDaemon(town);
    await town.gtOk(['mail', 'send', MAX, '-s', 'welcome', '-m', 'hello'], {
      env: { GT_ROLE: 'mayor' },
    });
    const env = { GT_ROLE: MAX };
    const text = await both(town, ['prime'], { env });
    expect(text.fast).toEqual(text.full);
    expect(text.fast.stdout).toContain('alpha/crew/max');
    const json = await both(town, ['prime', '--json'], { env });
    expect(JSON.parse(json.fast.stdout)).toEqual(JSON.parse(json.full.stdout));
  });
});

describe('gt session restart answered by the daemon', () => {
  it('restarts as the full command does: a new pane, the same words, on record as a restart', async () => {
    const town = await makeTown();
    await town.gtOk(['session', 'start', MAX]);
    await runDaemon(town);
    const pidOf = async (): Promise<number | null> => {
      const list = JSON.parse(await town.gtOk(['session', 'list', '--json'])) as Array<{
        identity: string;
        pid: number | null;
      }>;
      return list.find((s) => s.identity === MAX)?.pid ?? null;
    };
    const before = await pidOf();
    const r = await town.gt(['session', 'restart', MAX], { env: DEBUG });
    expect(r.stderr).toBe('gt: answered by the daemon\n');
    const pid = /^restarted gt-alpha-crew-max \(pid (\d+); fresh conversation\)\n$/.exec(
      r.stdout,
    )?.[1];
    expect(Number(pid)).toBe(await pidOf());
    expect(Number(pid)).not.toBe(before);
    const { fast, full } = await both(town, ['session', 'restart', MAX, '--json']);
    const [a, b] = [fast, full].map((x) => JSON.parse(x.stdout) as Record<string, unknown>);
    expect({ ...a, pid: 0 }).toEqual({ ...b, pid: 0 });
    expect(a).toMatchObject({ identity: MAX, replaced: true, mode: 'fresh' });
    const history = JSON.parse(await town.gtOk(['session', 'history', MAX, '--json'])) as Array<{
      ended_how: string | null;
      detail: string | null;
    }>;
    expect(history.filter((h) => h.detail === 'gt session restart').length).toBe(3);
  });

  it('an agent the town does not have: the command says so itself', async () => {
    const town = await makeTown();
    await runDaemon(town);
    const args = ['session', 'restart', 'alpha/crew/nobody'];
    const r = await town.gt(args, { env: DEBUG });
    const full = await town.gt(args, { env: FULL });
    expect(r.stderr).toBe(`gt: answered by gt itself\n${full.stderr}`);
    expect([r.code, full.code]).toEqual([2, 2]);
  });
});

describe('the daemon answers only with the settings the command would read', () => {
  it('a settings file changed under it, or another setting in the caller’s environment: gt itself', async () => {
    const town = await makeTown();
    await runDaemon(town);
    expect((await town.gt(['status'], { env: DEBUG })).stderr).toBe('gt: answered by the daemon\n');
    // Another value laid over the file by the environment.
    const other = { ...DEBUG, GT_LIFECYCLE_MAX_ATTEMPTS: '7' };
    const overlaid = await town.gt(['status'], { env: other });
    expect([overlaid.code, overlaid.stderr]).toEqual([0, 'gt: answered by gt itself\n']);
    // A settings file broken while the daemon runs on the ones it read: gt says what is wrong.
    const file = join(town.root, 'settings', 'config.json');
    writeFileSync(file, '{ "daemon": { "heartbeat": 12 } }');
    for (const args of [['status'], ['mail', 'send', 'mayor', '-s', 'x', '-m', 'y']]) {
      const r = await town.gt(args, { env: DEBUG });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^gt: answered by gt itself\ngt: bad settings in /);
    }
    const native = await town.gt(['status'], { env: DEBUG, native: true });
    expect(native.stderr).toMatch(/^gt: answered by gt itself\ngt: bad settings in /);
  });

  it('a good settings file changed under it: gt itself once, then the daemon has taken it up', async () => {
    const town = await makeTown(); // heartbeat 30 s: the take-up below is not a heartbeat's
    await runDaemon(town);
    const file = join(town.root, 'settings', 'config.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as { lifecycle: object };
    settings.lifecycle = { ...settings.lifecycle, retry_backoff: '60ms' };
    writeFileSync(file, JSON.stringify(settings));
    const first = await town.gt(['status'], { env: DEBUG });
    expect(first.stderr).toBe('gt: answered by gt itself\n');
    await waitFor(
      'the daemon answering again',
      async () =>
        (await town.gt(['status'], { env: DEBUG })).stderr === 'gt: answered by the daemon\n',
      10_000,
    );
    expect(readFileSync(join(town.root, 'daemon', 'daemon.log'), 'utf8')).toMatch(
      /settings changed: taken up/,
    );
  });
});
