// What an agent's hooks run, as the hooks run it: gt agent report, gt prime --hook, and the
// nudge queue seen from the command line.
import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult } from '../helpers/cli.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, events, makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const SESSION = 'gt-alpha-crew-max';

interface AgentJson {
  address: string;
  activity: string | null;
  activity_detail: string | null;
}

async function activity(town: TestTown): Promise<AgentJson | undefined> {
  const status = JSON.parse(await town.gtOk(['status', '--json'])) as { agents: AgentJson[] };
  return status.agents.find((a) => a.address === MAX);
}

/**
 * Who answers an agent's report hook: its own gt process, or (handed over its socket) the
 * daemon; asked by the Node launcher, or by the native gt an agent's session runs first.
 */
const ANSWERERS = [
  { by: 'gt itself', daemon: false, native: false },
  { by: 'the daemon', daemon: true, native: false },
  { by: 'gt itself', daemon: false, native: true },
  { by: 'the daemon', daemon: true, native: true },
] as const;
type Answerer = (typeof ANSWERERS)[number];
const named = (a: Answerer): string => `${a.by}${a.native ? ', asked by the native gt' : ''}`;

/** A town whose report hooks `by` answers: with a daemon running, or none. */
async function hookTown(by: Answerer): Promise<TestTown> {
  const town = await makeTown();
  if (by.daemon) await runDaemon(town);
  return town;
}

/** Runs a hook command, checks that `by` answered it, and gives its result without that word. */
async function hook(
  town: TestTown,
  by: Answerer,
  args: readonly string[],
  opts: RunOptions,
): Promise<RunResult> {
  const env = { ...opts.env, GT_DEBUG_HOOK: '1' };
  const r = await town.gt(args, { ...opts, env, native: by.native });
  const [first = '', ...rest] = r.stderr.split(/(?<=\n)/);
  expect(first, args.join(' ')).toBe(`gt: answered by ${by.by}\n`);
  return { ...r, stderr: rest.join('') };
}

for (const by of ANSWERERS)
  describe(`gt agent report, answered by ${named(by)}`, () => {
    it('a verified hook sets the activity; an unverified one changes nothing; neither fails the hook', async () => {
      const town = await hookTown(by);
      await town.gtOk(['session', 'start', MAX]);
      const env = agentEnv(town, MAX, SESSION);
      const report = (event: string, input: string, e = env): Promise<RunResult> =>
        hook(town, by, ['agent', 'report', event], { env: e, input });
      const prompt = await report('prompt', JSON.stringify({ prompt: 'hi' }));
      expect([prompt.code, prompt.stderr]).toEqual([0, '']);
      expect(await activity(town)).toMatchObject({ activity: 'busy' });
      const question = JSON.stringify({
        notification_type: 'permission_prompt',
        message: 'Claude needs your permission',
      });
      expect(await report('notification', question)).toMatchObject({ code: 0, stderr: '' });
      // On record (a daemon may at once find the question gone from the screen and say ready).
      const said = (await events(town)).filter(
        (e) => e.kind === 'agent.activity' && e.reason === 'hook',
      );
      expect(said.map((e) => e.outcome)).toEqual(['busy', 'blocked']);
      expect(await report('stop', '{}')).toMatchObject({ code: 0, stderr: '' });
      expect(await activity(town)).toMatchObject({ activity: 'ready' });
      const forged = await report('prompt', '{}', {
        GT_ROLE: MAX,
        GT_AGENT_TOKEN: 'not-the-token',
      });
      expect(forged.code).toBe(0);
      expect(forged.stderr).toMatch(/not alpha\/crew\/max's own session/);
      expect(await activity(town)).toMatchObject({ activity: 'ready' });
      const junk = await report('prompt', 'not json at all');
      expect(junk.code).toBe(0);
      // Not an event a daemon answers: gt itself says what is wrong.
      const unknown = await town.gt(['agent', 'report', 'explode'], {
        env,
        input: '{}',
        native: by.native,
      });
      expect([unknown.code, unknown.stderr]).toEqual([
        0,
        'gt: agent report explode: unknown event "explode"\n',
      ]);
    });

    it('one process reports the prompt and gives the model the agent’s mail', async () => {
      const town = await hookTown(by);
      await town.gtOk(['session', 'start', MAX]);
      const env = agentEnv(town, MAX, SESSION);
      await town.gtOk(['mail', 'send', MAX, '-s', 'the build is red', '-m', 'look at ci'], {
        env: { GT_ROLE: 'mayor' },
      });
      const inject = ['agent', 'report', 'prompt', '--inject-mail'];
      const both = await hook(town, by, inject, { env, input: JSON.stringify({ prompt: 'hi' }) });
      expect([both.code, both.stderr]).toEqual([0, '']);
      expect(both.stdout).toContain('the build is red');
      expect(await activity(town)).toMatchObject({ activity: 'busy' });
      // Gemini CLI's form: the mail as JSON additionalContext.
      const gemini = await hook(town, by, [...inject, '--hook-format', 'gemini'], {
        env,
        input: '{}',
      });
      expect(JSON.parse(gemini.stdout)).toMatchObject({
        hookSpecificOutput: {
          additionalContext: expect.stringContaining('the build is red') as string,
        },
      });
      // A report refused (not the agent's own session) still leaves the mail with the model.
      const forged = await hook(town, by, inject, {
        env: { GT_ROLE: MAX, GT_AGENT_TOKEN: 'not-the-token' },
        input: '{}',
      });
      expect(forged.code).toBe(0);
      expect(forged.stderr).toMatch(/not alpha\/crew\/max's own session/);
      expect(forged.stdout).toContain('the build is red');
    });
  });

describe('gt prime', () => {
  it('says who the agent is and shows the handoff note its predecessor left', async () => {
    const town = await makeTown({ settings: { lifecycle: { require_verified_sender: false } } });
    await town.gtOk(
      ['handoff', '--no-daemon', '-s', 'parser work', '-m', 'tests pass; next the docs'],
      {
        env: { GT_ROLE: MAX },
      },
    );
    const text = await town.gtOk(['prime', '--hook'], {
      env: { GT_ROLE: MAX },
      input: '{"source":"startup"}',
    });
    expect(text).toMatch(/^# Gas Town: you are alpha\/crew\/max\n/);
    expect(text).toContain('crew member max of rig alpha');
    expect(text).toContain('### 🤝 HANDOFF: parser work');
    expect(text).toContain('tests pass; next the docs');
    const broken = await town.gt(['prime', '--hook'], {
      env: { GT_TOWN_ROOT: '/nonexistent' },
      input: '{}',
    });
    expect(broken.code).toBe(0);
  });
});

describe('gt nudge', () => {
  it('queues a prompt (listed until delivered) and refuses bad input, writing nothing', async () => {
    const town = await makeTown();
    const queued = JSON.parse(
      await town.gtOk(['nudge', MAX, 'look', 'at', 'issue', '7', '--no-daemon', '--json']),
    ) as {
      id: string;
      text: string;
      status: string;
    };
    expect(queued).toMatchObject({ text: 'look at issue 7', status: 'queued' });
    const stdin = await town.gtOk(['nudge', MAX, '--stdin', '--no-daemon'], {
      input: 'from stdin\n',
    });
    expect(stdin).toMatch(/^queued gn-/);
    const listed = JSON.parse(await town.gtOk(['nudge', '--list', '--json'])) as Array<{
      id: string;
      text: string;
    }>;
    expect(listed.map((n) => n.text)).toEqual(['look at issue 7', 'from stdin']);
    for (const [args, message] of [
      [['nudge', 'alpha/crew/nobody', 'x'], /no crew member nobody/],
      [['nudge', MAX], /the prompt is empty/],
      [['nudge', '../etc', 'x'], /address/],
      [['nudge', MAX, 'x', '--wait', '--timeout', 'soon'], /not a duration/],
    ] as const) {
      const r = await town.gt(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(JSON.parse(await town.gtOk(['nudge', '--list', '--json']))).toHaveLength(2);
  });
});
