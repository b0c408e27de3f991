// The native gt an agent's session runs first (native/gt.c): a hook's report or a nudge handed
// to the daemon without a Node start, everything else (and whatever the daemon does not answer)
// the Node gt's, with the same words, input and exit code.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_PROBE_ANSWER } from '../../src/agents/gt-command.js';
import { SOCKET_REQUEST_VERSION } from '../../src/protocol/daemon-socket.js';
import { MAX_HOOK_INPUT_BYTES } from '../../src/util/stdin.js';
import type { RunResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { activityOf, silentStandIn, standIn } from '../helpers/stand-in.js';
import type { TestTown } from '../helpers/town.js';
import { agentEnv, makeTown, runDaemon } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const SESSION = 'gt-alpha-crew-max';
const DEBUG = { GT_DEBUG_HOOK: '1' };

/** A stand-in daemon that reads the request line and answers `reply` to it. */
function answering(reply: string | Buffer, seen: string[] = []): (s: Socket) => void {
  return (s) => {
    let text = '';
    s.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) {
        seen.push(text);
        s.end(reply);
      }
    });
  };
}

const maxActivity = (town: TestTown): Promise<unknown[]> => activityOf(town, MAX);

async function startedTown(): Promise<TestTown> {
  const town = await makeTown();
  await town.gtOk(['session', 'start', MAX]);
  return town;
}

function notifyNative(town: TestTown, message: string): Promise<RunResult> {
  const input = JSON.stringify({ notification_type: 'permission_prompt', message });
  const env = { ...agentEnv(town, MAX, SESSION), ...DEBUG };
  return town.gt(['agent', 'report', 'notification'], { env, input, native: true });
}

describe('the native gt', () => {
  it('hands a hook to the daemon with its input, words and session byte for byte (a stand-in records them)', async () => {
    const town = await makeTown();
    const seen: string[] = [];
    await standIn(town, answering('GT1 0 0 0\n', seen));
    const input = JSON.stringify({ message: 'needs "your" ok \\ back\tslash\nline \u0001 é 🚀 ✓' });
    const env = { ...DEBUG, GT_ROLE: MAX, GT_AGENT_TOKEN: 't"k\\n', OTHER: 'not sent' };
    const args = ['agent', 'report', 'notification', '--hook-format', 'gemini'];
    const r = await town.gt(args, { env, input, native: true, cwd: town.root });
    expect([r.code, r.stderr, r.stdout]).toEqual([0, 'gt: answered by the daemon\n', '']);
    const request = JSON.parse(seen[0] ?? '') as Record<string, unknown>;
    expect(request).toEqual({
      gt: 'argv',
      v: SOCKET_REQUEST_VERSION,
      reply: 'frame',
      argv: args,
      env: { ...town.env, GT_ROLE: MAX, GT_AGENT_TOKEN: 't"k\\n', GT_DEBUG_HOOK: '1' },
      cwd: town.root,
      input,
    });
  });

  it('a hook answered by the real daemon: the report made', async () => {
    const town = await startedTown();
    await runDaemon(town);
    const r = await town.gt(['agent', 'report', 'prompt', '--inject-mail'], {
      env: { ...agentEnv(town, MAX, SESSION), ...DEBUG },
      input: JSON.stringify({ prompt: 'hi' }),
      native: true,
    });
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by the daemon\n']);
    expect((await maxActivity(town))[0]).toBe('busy');
  });

  it('with no daemon, runs the Node gt with the input it read, whole (more than a pipe holds)', async () => {
    const town = await startedTown();
    const message = `big ${'x'.repeat(300_000)} end`;
    const r = await notifyNative(town, message);
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by gt itself\n']);
    expect(await maxActivity(town)).toEqual(['blocked', message]);
  });

  it('an older daemon (a stand-in answering JSON, not a frame): the Node gt does the work', async () => {
    const town = await startedTown();
    const seen: string[] = [];
    await standIn(town, answering('{"fallback":"no request \\"argv\\""}\n', seen));
    const r = await notifyNative(town, 'Claude needs your permission');
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by gt itself\n']);
    expect(await maxActivity(town)).toEqual(['blocked', 'Claude needs your permission']);
    const request = JSON.parse(seen[0] ?? '') as Record<string, unknown>;
    expect(request).toMatchObject({
      gt: 'argv',
      v: SOCKET_REQUEST_VERSION,
      reply: 'frame',
      argv: ['agent', 'report', 'notification'],
      env: { GT_ROLE: MAX, GT_TOWN_ROOT: town.root },
    });
  });

  it('a daemon that gives no answer (a stand-in that never does): the Node gt after 5 s', async () => {
    const town = await startedTown();
    await silentStandIn(town);
    const started = Date.now();
    const r = await notifyNative(town, 'waited');
    expect([r.code, r.stderr]).toEqual([0, 'gt: answered by gt itself\n']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(await maxActivity(town)).toEqual(['blocked', 'waited']);
  });

  it('prints a frame exactly as framed (a stand-in daemon), and refuses one that does not add up', async () => {
    const town = await makeTown();
    const frames = [Buffer.from('GT1 3 6 5\nhello\noops\n')];
    await standIn(town, (s) => answering(frames.shift() ?? 'GT1 0 99 0\nshort')(s));
    const env = { ...DEBUG, GT_ROLE: MAX };
    const framed = await town.gt(['agent', 'report', 'stop'], { env, input: '{}', native: true });
    expect(framed).toEqual({
      code: 3,
      stdout: 'hello\n',
      stderr: 'gt: answered by the daemon\noops\n',
    });
    const short = await town.gt(['agent', 'report', 'stop'], { env, input: '{}', native: true });
    expect(short.stderr).toMatch(/^gt: answered by gt itself\n/);
  });

  it('queues a nudge through the daemon; what it refuses, the Node gt says, with its exit code', async () => {
    const town = await startedTown();
    await runDaemon(town);
    const ok = await town.gt(['nudge', MAX, 'look', 'here'], { env: DEBUG, native: true });
    expect(ok.stderr).toBe('gt: answered by the daemon\n');
    expect(ok.stdout).toMatch(/^queued gn-\S+ for alpha\/crew\/max\n$/);
    const bad = ['nudge', 'alpha/crew/nobody', 'hello'];
    const native = await town.gt(bad, { native: true });
    const node = await town.gt(bad);
    expect(native).toEqual(node);
    expect(native.code).not.toBe(0);
  });

  it('in a person’s shell (no GT_TOWN_ROOT, a folder inside the town): the town found, the daemon answers; outside any town the Node gt says so', async () => {
    const town = await startedTown();
    await runDaemon(town);
    const person = { ...DEBUG, GT_TOWN_ROOT: undefined };
    const inside = join(town.root, 'mayor');
    for (const native of [true, false]) {
      const r = await town.gt(['nudge', MAX, 'from', 'a', 'shell'], {
        env: person,
        cwd: inside,
        native,
      });
      expect([r.code, r.stderr]).toEqual([0, 'gt: answered by the daemon\n']);
    }
    const nudges = JSON.parse(await town.gtOk(['nudge', '--list', '--all', '--json'])) as Array<{
      text: string;
    }>;
    expect(nudges.filter((n) => n.text === 'from a shell')).toHaveLength(2);
    const outside = { env: person, cwd: tempDir('no-town') };
    const native = await town.gt(['nudge', MAX, 'hello'], { ...outside, native: true });
    expect(native).toEqual(await town.gt(['nudge', MAX, 'hello'], outside));
    expect([native.code, native.stderr]).toEqual([2, expect.stringMatching(/^gt: no town found/)]);
  });

  it('passes any other command to the Node gt: words, standard input and exit code', async () => {
    const town = await makeTown();
    for (const args of [['--version'], ['mail', 'nope'], ['status', '--json']])
      expect(await town.gt(args, { native: true })).toEqual(await town.gt(args));
    const body = 'from stdin "quoted"';
    const sent = await town.gt(['mail', 'send', MAX, '-s', 'piped', '--stdin'], {
      env: { GT_ROLE: 'mayor' },
      input: body,
      native: true,
    });
    expect(sent.code).toBe(0);
    const inbox = JSON.parse(
      await town.gtOk(['mail', 'inbox', '--json'], { env: { GT_ROLE: MAX } }),
    ) as Array<{ subject: string; body: string }>;
    expect(inbox.map((m) => [m.subject, m.body])).toEqual([['piped', body]]);
  });

  it('says its protocol as the TypeScript side does', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../../native/gt.c'), 'utf8');
    const define = (name: string): string | undefined =>
      new RegExp(`#define ${name} (.+)`).exec(source)?.[1];
    expect(define('REQUEST_VERSION')).toBe(String(SOCKET_REQUEST_VERSION));
    expect(define('MAX_INPUT_BYTES')).toBe('(1024 * 1024)');
    expect(1024 * 1024).toBe(MAX_HOOK_INPUT_BYTES);
    expect(define('PROBE_ANSWER')).toBe(JSON.stringify(NATIVE_PROBE_ANSWER));
  });
});
