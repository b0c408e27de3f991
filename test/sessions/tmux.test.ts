// TmuxHost against real tmux, each test on its own private socket.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcEntry } from '../../src/sessions/proc.js';
import { parseStat } from '../../src/sessions/proc.js';
import type { TmuxHostOptions } from '../../src/sessions/tmux.js';
import {
  BadSessionNameError,
  SessionExistsError,
  SessionNotFoundError,
  TmuxHost,
} from '../../src/sessions/tmux.js';
import { sessionState } from '../../src/sessions/host.js';
import { tmuxSocketPath } from '../../src/sessions/tmux-args.js';
import { onCleanup, tempDir, tmuxSocket, waitFor } from '../helpers/temp.js';

function newPlainHost(extra: Partial<TmuxHostOptions> = {}): TmuxHost {
  return new TmuxHost({ socket: tmuxSocket(), stopGraceMs: 500, ...extra });
}

function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

function stat(pid: number): ProcEntry | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Running: present and not a zombie waiting to be reaped. */
function running(pid: number): boolean {
  const entry = stat(pid);
  return entry !== undefined && entry.state !== 'Z';
}

/** A process this test made: SIGKILLed after the test if it is still the same process. */
function track(pid: number): number {
  const start = stat(pid)?.start;
  onCleanup(() => {
    if (start === undefined || stat(pid)?.start !== start) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // it ended between the check and the kill
    }
  });
  return pid;
}

/** A whole line a shell wrote to `file`; never a half-written one. */
async function lineFrom(file: string): Promise<string> {
  return waitFor(`a line in ${file}`, () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return text.endsWith('\n') && text.trim();
  });
}

async function pidFrom(file: string): Promise<number> {
  return track(Number(await lineFrom(file)));
}

function ancestors(pid: number): number[] {
  const out: number[] = [];
  for (let p = stat(pid)?.ppid; p !== undefined && p > 0; p = stat(p)?.ppid) out.push(p);
  return out;
}

function fakeTmux(script: string): string {
  const dir = tempDir('fake-tmux');
  writeFileSync(join(dir, 'tmux'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'tmux'), 0o755);
  return dir;
}

/** Each way a host calls tmux: a process per call, and the daemon's control-mode client. */
const WAYS = [
  ['a tmux process per call', false],
  ['the daemon’s control-mode client', true],
] as const;

/** Hosts that call tmux one way, their control client (if any) ended after the test. */
function hostsThrough(control: boolean): (extra?: Partial<TmuxHostOptions>) => TmuxHost {
  return (extra = {}) => {
    const host = newPlainHost({ control, ...extra });
    onCleanup(() => host.close());
    return host;
  };
}

describe.each(WAYS)('TmuxHost on a private socket, through %s', (_how, control) => {
  const newHost = hostsThrough(control);

  it('starts, lists, finds, checks and stops a session', async () => {
    const host = newHost();
    const cwd = tempDir('work');
    const before = Date.now();
    const info = await host.start({
      name: 'gt-alpha-witness',
      cwd,
      command: 'sleep 1000',
      env: {},
    });
    const pid = track(info.panePid ?? -1);
    expect(info).toMatchObject({
      name: 'gt-alpha-witness',
      paneDead: false,
      attached: false,
      panePids: [pid],
    });
    expect(info.createdAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    // The pane's shell execs the command a moment after the session exists.
    const listed = await waitFor('the pane running sleep', async () => {
      const all = await host.list();
      return all[0]?.paneCommand === 'sleep' && all;
    });
    expect(listed).toEqual([
      expect.objectContaining({ name: 'gt-alpha-witness', panePid: pid, paneCommand: 'sleep' }),
    ]);
    expect(await host.find('gt-alpha-witness')).toMatchObject({ panePid: pid });
    expect(await host.liveness('gt-alpha-witness')).toBe('alive');

    expect(await host.stop('gt-alpha-witness')).toBe(true);
    expect(running(pid)).toBe(false);
    expect(await host.list()).toEqual([]);
    expect(await host.liveness('gt-alpha-witness')).toBe('dead');
    expect(await host.stop('gt-alpha-witness')).toBe(false);
  });

  it('targets sessions by exact name, never by prefix', async () => {
    const host = newHost();
    const info = await host.start({
      name: 'gt-alpha-witness',
      cwd: tempDir(),
      command: 'sleep 1000',
      env: {},
    });
    track(info.panePid ?? -1);
    expect(await host.find('gt-alpha')).toBeUndefined();
    expect(await host.liveness('gt-alpha')).toBe('dead');
    expect(await host.stop('gt-alpha')).toBe(false);
    await expect(host.capture('gt-alpha', 5)).rejects.toThrow(SessionNotFoundError);
    expect(await host.liveness('gt-alpha-witness')).toBe('alive');
  });

  it('passes the environment at creation: the agent sees it from its first instruction', async () => {
    const host = newHost({
      env: { ...process.env, GT_AGENT_TOKEN: 'leaked-from-the-caller', GT_ROLE: 'caller' },
    });
    const cwd = tempDir('work');
    const env = {
      GT_ROLE: 'alpha/witness',
      BD_ACTOR: 'alpha/witness',
      ODD: `a;b #{session_name} $(touch x) 'q' ;`,
    };
    const command = `sh -c 'env > env.tmp; mv env.tmp env.txt; exec sleep 1000'`;
    const info = await host.start({ name: 'gt-alpha-witness', cwd, command, env });
    track(info.panePid ?? -1);
    const file = join(cwd, 'env.txt');
    const seen = await waitFor('env.txt', () => existsSync(file) && readFileSync(file, 'utf8'));
    const lines = seen.split('\n');
    expect(lines).toContain('GT_ROLE=alpha/witness');
    expect(lines).toContain('BD_ACTOR=alpha/witness');
    expect(lines).toContain(`ODD=${env.ODD}`);
    // The caller's own identity and secret never reach the server's global environment.
    expect(seen).not.toContain('leaked-from-the-caller');
    expect(existsSync(join(cwd, 'x'))).toBe(false);
  });

  it('runs the agent command as the pane’s first process, with no shell in between', async () => {
    const host = newHost();
    const cwd = tempDir('work');
    const info = await host.start({
      name: 'gt-mayor',
      cwd,
      command: `sh -c 'echo $$ > pid.txt; exec sleep 1000'`,
      env: {},
    });
    const panePid = track(info.panePid ?? -1);
    expect(await pidFrom(join(cwd, 'pid.txt'))).toBe(panePid);
    await waitFor(
      'the agent to exec sleep',
      () => readFileSync(`/proc/${panePid}/comm`, 'utf8').trim() === 'sleep',
    );
    const plain = await host.start({ name: 'gt-deacon', cwd, command: 'sleep 1001', env: {} });
    const plainPid = track(plain.panePid ?? -1);
    // The pane's own pid turns into the agent (tmux forks, /bin/sh execs); a shell left in
    // between would keep this pid as /bin/sh for good.
    const cmdline = (): string => readFileSync(`/proc/${plainPid}/cmdline`, 'utf8');
    await waitFor(
      'the pane’s first process to be the agent',
      () => cmdline() === 'sleep\u00001001\u0000',
    );
  });

  it('starts in the work dir even when its path holds a tmux format', async () => {
    const host = newHost();
    const cwd = join(tempDir('work'), '#{session_name}#(touch marker)');
    mkdirSync(cwd);
    const info = await host.start({
      name: 'gt-mayor',
      cwd,
      command: `sh -c 'pwd > pwd.txt; exec sleep 1000'`,
      env: {},
    });
    track(info.panePid ?? -1);
    const pwd = await lineFrom(join(cwd, 'pwd.txt'));
    expect(pwd).toBe(cwd);
  });

  it('refuses to start a session that exists and leaves it running', async () => {
    const host = newHost();
    const info = await host.start({
      name: 'gt-mayor',
      cwd: tempDir(),
      command: 'sleep 1000',
      env: {},
    });
    const pid = track(info.panePid ?? -1);
    await expect(
      host.start({ name: 'gt-mayor', cwd: tempDir(), command: 'sleep 1002', env: {} }),
    ).rejects.toThrow(SessionExistsError);
    expect(await host.list()).toEqual([
      expect.objectContaining({ name: 'gt-mayor', panePid: pid }),
    ]);
    expect(running(pid)).toBe(true);
  });

  it('stop ends a child that ignores SIGHUP and SIGTERM and a setsid grandchild whose parent left', async () => {
    const host = newHost();
    const dir = tempDir('agent');
    const script = join(dir, 'agent.sh');
    writeFileSync(
      script,
      [
        'dir=$1',
        `sh -c 'trap "" HUP TERM; echo $$ > "$0/child.pid"; exec sleep 1000' "$dir" &`,
        // The middle shell exits at once: the grandchild is neither a descendant nor in the pane's Unix session.
        `sh -c 'setsid sh -c "trap \\"\\" HUP TERM; echo \\$\\$ > \\"\\$0/grand.pid\\"; exec sleep 1000" "$0" &' "$dir"`,
        'exec sleep 1000',
        '',
      ].join('\n'),
    );
    const info = await host.start({
      name: 'gt-alpha-crew-max',
      cwd: dir,
      command: `sh ${script} ${dir}`,
      env: {},
    });
    const panePid = track(info.panePid ?? -1);
    const child = await pidFrom(join(dir, 'child.pid'));
    const grand = await pidFrom(join(dir, 'grand.pid'));
    await waitFor('the grandchild to be orphaned', () => !ancestors(grand).includes(panePid));
    expect(stat(grand)?.sid).toBe(grand);
    expect(stat(child)?.sid).toBe(panePid);

    expect(await host.stop('gt-alpha-crew-max')).toBe(true);
    expect({ pane: running(panePid), child: running(child), grand: running(grand) }).toEqual({
      pane: false,
      child: false,
      grand: false,
    });
    expect(await host.list()).toEqual([]);
  });

  it('stop leaves other sessions and processes outside tmux alone', async () => {
    const host = newHost();
    const a = await host.start({
      name: 'gt-alpha-witness',
      cwd: tempDir(),
      command: 'sleep 1000',
      env: {},
    });
    const b = await host.start({
      name: 'gt-alpha-refinery',
      cwd: tempDir(),
      command: 'sleep 1000',
      env: {},
    });
    track(a.panePid ?? -1);
    const bPid = track(b.panePid ?? -1);
    const outsider = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    onCleanup(() => outsider.kill('SIGKILL'));
    expect(await host.stop('gt-alpha-witness')).toBe(true);
    expect(running(a.panePid ?? -1)).toBe(false);
    expect(running(bPid)).toBe(true);
    expect(running(outsider.pid ?? -1)).toBe(true);
    expect(await host.liveness('gt-alpha-refinery')).toBe('alive');
  });

  it('keeps a dead agent as a zombie with remain-on-exit; capture shows its last words', async () => {
    const host = newHost();
    const cwd = tempDir('work');
    const command = `sh -c 'echo "last words $((6*7))"; while [ ! -e go ]; do sleep 0.05; done; exit 3'`;
    const info = await host.start({ name: 'gt-mayor', cwd, command, env: {}, remainOnExit: true });
    track(info.panePid ?? -1);
    await waitFor('the agent to speak', async () =>
      (await host.capture('gt-mayor', 50)).includes('last words 42'),
    );
    expect(sessionState(info)).toBe('alive');
    writeFileSync(join(cwd, 'go'), '');
    const dead = await waitFor('the pane to die', async () => {
      const found = await host.find('gt-mayor');
      return found?.paneDead === true && found;
    });
    expect(sessionState(dead)).toBe('zombie');
    expect([3, null]).toContain(dead.paneDeadStatus); // tmux 3.3 does not always record it
    expect(await host.liveness('gt-mayor')).toBe('dead');
    expect(await host.capture('gt-mayor', 20)).toContain('last words 42');
    expect(await host.capture('gt-mayor', 1)).toHaveLength(1);
    expect(await host.stop('gt-mayor')).toBe(true);
    expect(await host.list()).toEqual([]);
  });

  it('keeps an agent that fails at once (remain-on-exit is set in the same invocation)', async () => {
    const host = newHost();
    await host.start({
      name: 'gt-mayor',
      cwd: tempDir(),
      command: 'exit 7',
      env: {},
      remainOnExit: true,
    });
    const dead = await waitFor('the pane to die', async () => {
      const found = await host.find('gt-mayor');
      return found?.paneDead === true && found;
    });
    expect(sessionState(dead)).toBe('zombie');
    expect([7, null]).toContain(dead.paneDeadStatus); // tmux 3.3 does not always record it
  });

  it('without remain-on-exit an agent that exits takes its session with it', async () => {
    const host = newHost();
    const cwd = tempDir('work');
    await host.start({
      name: 'gt-deacon',
      cwd,
      command: `sh -c 'while [ ! -e go ]; do sleep 0.05; done'`,
      env: {},
    });
    const keeper = await host.start({ name: 'gt-mayor', cwd, command: 'sleep 1000', env: {} });
    track(keeper.panePid ?? -1);
    writeFileSync(join(cwd, 'go'), '');
    await waitFor(
      'the session to close',
      async () => (await host.liveness('gt-deacon')) === 'dead',
    );
    expect((await host.list()).map((s) => s.name)).toEqual(['gt-mayor']);
  });

  it('with no server: no sessions, nothing to stop, nothing to capture', async () => {
    const host = newHost();
    expect(await host.list()).toEqual([]);
    expect(await host.find('gt-mayor')).toBeUndefined();
    expect(await host.liveness('gt-mayor')).toBe('dead');
    expect(await host.stop('gt-mayor')).toBe(false);
    await expect(host.capture('gt-mayor', 10)).rejects.toThrow(SessionNotFoundError);
  });

  it('a server that died leaves its socket behind: still no sessions, and start brings up a new one', async () => {
    const host = newHost();
    const info = await host.start({
      name: 'gt-mayor',
      cwd: tempDir(),
      command: 'sleep 1000',
      env: {},
    });
    track(info.panePid ?? -1);
    const serverPid = track(
      Number(tmux(host.socket, 'display-message', '-p', '-t', '=gt-mayor:', '#{pid}').trim()),
    );
    process.kill(serverPid, 'SIGKILL');
    await waitFor('the server to die', () => !running(serverPid));
    expect(await host.list()).toEqual([]);
    expect(await host.liveness('gt-mayor')).toBe('dead');
    const again = await host.start({
      name: 'gt-mayor',
      cwd: tempDir(),
      command: 'sleep 1000',
      env: {},
    });
    track(again.panePid ?? -1);
    expect(await host.liveness('gt-mayor')).toBe('alive');
  });

  it('shows a status line holding #(…) and #{…} literally, and never runs it', async () => {
    const host = newHost();
    const dir = tempDir('work');
    const marker = join(dir, 'marker');
    const theme = {
      bg: 'colour24',
      fg: 'colour231',
      statusLeft: `#(touch ${marker}) #{session_name}`,
      statusRight: `#(touch ${marker}2)`,
    };
    const info = await host.start({
      name: 'gt-mayor',
      cwd: dir,
      command: 'sleep 1000',
      env: {},
      theme,
    });
    track(info.panePid ?? -1);
    // A status line is only drawn for an attached client: attach one inside another private server's pane.
    const outer = tmuxSocket();
    tmux(
      outer,
      'new-session',
      '-d',
      '-x',
      '150',
      '-y',
      '10',
      '--',
      'env',
      '-u',
      'TMUX',
      'tmux',
      ...host.attachCommand('gt-mayor', {}).args,
    );
    await waitFor(
      'a client to attach',
      async () => (await host.find('gt-mayor'))?.attached === true,
    );
    const screen = await waitFor('the status line', () => {
      const text = tmux(outer, 'capture-pane', '-p');
      return text.includes('#(touch') && text;
    });
    expect(screen).toContain(`#(touch ${marker}) #{session_name}`);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${marker}2`)).toBe(false);
  });
});

describe('TmuxHost.attachCommand', () => {
  it('attaches from an ordinary terminal, or from inside another tmux server, without its TMUX', () => {
    const host = new TmuxHost({ socket: 'gt-test', env: { PATH: '/bin', TMUX: '/x,1,0' } });
    for (const env of [{}, { TMUX: '/tmp/tmux-1/other,42,0', TMUX_PANE: '%1' }]) {
      const cmd = host.attachCommand('gt-mayor', env);
      expect(cmd.args).toEqual([
        '-L',
        'gt-test',
        '-f',
        '/dev/null',
        'attach-session',
        '-t',
        '=gt-mayor:',
      ]);
      expect(cmd.env.TMUX).toBeUndefined();
    }
  });

  it('switches the client when the terminal is already a client of this server', () => {
    const host = new TmuxHost({ socket: 'gt-test', env: { PATH: '/bin' } });
    const env = { TMUX: `${tmuxSocketPath('gt-test', {})},42,0`, TMUX_PANE: '%3' };
    const cmd = host.attachCommand('gt-deacon', env);
    expect(cmd.args.slice(4)).toEqual(['switch-client', '-t', '=gt-deacon:']);
    expect(cmd.env).toMatchObject(env);
  });
});

describe.each(WAYS)(
  'TmuxHost when tmux cannot answer (fake tmux binaries on PATH), through %s',
  (_how, control) => {
    const newHost = hostsThrough(control);
    const withPath = (dir: string): NodeJS.ProcessEnv => ({
      ...process.env,
      PATH: `${dir}:${process.env.PATH ?? ''}`,
    });

    it('fake tmux that hangs: a typed timeout, liveness unknown, and stop does not claim the session is gone', async () => {
      const host = newHost({ env: withPath(fakeTmux('exec sleep 30')), timeoutMs: 300 });
      await expect(host.list()).rejects.toMatchObject({ code: 'GT_TMUX_TIMEOUT' });
      expect(await host.liveness('gt-mayor')).toBe('unknown');
      await expect(host.stop('gt-mayor')).rejects.toMatchObject({ code: 'GT_TMUX_TIMEOUT' });
    });

    it('fake tmux that errors: GT_TMUX_FAILED and liveness unknown', async () => {
      const host = newHost({
        env: withPath(fakeTmux('echo "protocol version mismatch" >&2; exit 1')),
      });
      await expect(host.list()).rejects.toMatchObject({ code: 'GT_TMUX_FAILED' });
      await expect(host.list()).rejects.toThrow('protocol version mismatch');
      await expect(host.find('gt-mayor')).rejects.toMatchObject({ code: 'GT_TMUX_FAILED' });
      expect(await host.liveness('gt-mayor')).toBe('unknown');
    });

    it('fake tmux whose server is exiting (a race real tmux shows rarely): asked again, then no sessions', async () => {
      const dir = tempDir('calls');
      const calls = join(dir, 'calls.log');
      const tmux = fakeTmux(
        `echo x >> ${calls}; if [ "$(wc -l < ${calls})" -le 2 ]; then echo "server exited unexpectedly" >&2; ` +
          `else echo "no server running on ${dir}/sock" >&2; fi; exit 1`,
      );
      const host = newHost({ env: withPath(tmux) });
      expect(await host.list()).toEqual([]);
      expect(readFileSync(calls, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(
        3,
      );
    });

    it('fake tmux whose server dies on every try: GT_TMUX_FAILED, not "no sessions"', async () => {
      const host = newHost({
        env: withPath(fakeTmux('echo "server exited unexpectedly" >&2; exit 1')),
      });
      await expect(host.list()).rejects.toThrow('server exited unexpectedly');
      expect(await host.liveness('gt-mayor')).toBe('unknown');
    });

    it('no tmux on PATH: GT_TMUX_MISSING and liveness unknown', async () => {
      const host = newHost({ env: { ...process.env, PATH: tempDir('empty-path') } });
      await expect(host.list()).rejects.toMatchObject({ code: 'GT_TMUX_MISSING' });
      expect(await host.liveness('gt-mayor')).toBe('unknown');
    });

    it('refuses hostile session names before any tmux call', async () => {
      const dir = tempDir('calls');
      const calls = join(dir, 'calls.log');
      const host = newHost({ env: withPath(fakeTmux(`echo "$@" >> ${calls}`)) });
      const hostile = [
        '',
        'gt-x;kill-server',
        '-t',
        '=gt',
        'gt:x',
        '../x',
        '#(touch m)',
        'a b',
        'gt-x\n',
        'x'.repeat(200),
      ];
      for (const name of hostile) {
        await expect(host.find(name)).rejects.toThrow(BadSessionNameError);
        await expect(host.liveness(name)).rejects.toThrow(BadSessionNameError);
        await expect(host.stop(name)).rejects.toThrow(BadSessionNameError);
        await expect(host.capture(name, 5)).rejects.toThrow(BadSessionNameError);
        await expect(host.start({ name, cwd: dir, command: 'sleep 1', env: {} })).rejects.toThrow(
          BadSessionNameError,
        );
        expect(() => host.attachCommand(name)).toThrow(BadSessionNameError);
      }
      // The fake itself works: a good name reaches it.
      expect(existsSync(calls)).toBe(false);
      await host.list();
      expect(readFileSync(calls, 'utf8')).toContain('list-panes');
    });
  },
);
