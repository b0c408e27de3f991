// The daemon's control-mode tmux client against real tmux, each test on its own socket: the
// same answers as a tmux process per call, no process per call, and nothing lost when the
// client goes away.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SessionNotFoundError,
  TmuxHost,
  TmuxNoServerError,
  escapeFormat,
} from '../../src/sessions/tmux.js';
import { TmuxClient } from '../../src/sessions/tmux-client.js';
import { tmuxSocketPath } from '../../src/sessions/tmux-args.js';
import {
  controlLine,
  inlineInput,
  quoteArg,
  targetSession,
} from '../../src/sessions/tmux-control.js';
import { onCleanup, tempDir, tmuxSocket, waitFor } from '../helpers/temp.js';

function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

/** Every tmux process started through PATH is counted (a wrapper around the real tmux). */
function countingTmux(): { env: NodeJS.ProcessEnv; count: () => number } {
  const dir = tempDir('counting-tmux');
  const log = join(dir, 'calls');
  const real = execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'tmux'), `#!/bin/sh\necho x >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(dir, 'tmux'), 0o755);
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  const count = (): number =>
    existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0;
  return { env, count };
}

const AWKWARD = [
  'plain',
  "it's",
  '#{session_name} #(echo no)',
  'a ; b \\; c',
  '~ $HOME ${HOME} {x}',
  '%end 1796601220 271 1',
  'ünïcödé ✓',
  '',
  '\u001egt-screen x',
];

/** Text the pane prints, then waits: the screen a look reads. */
function printer(lines: readonly string[]): string {
  const file = join(tempDir('screen'), 'text');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return `cat '${file}'; exec sleep 600`;
}

async function hosts(
  env?: NodeJS.ProcessEnv,
): Promise<{ socket: string; ctl: TmuxHost; plain: TmuxHost }> {
  const socket = tmuxSocket();
  const ctl = new TmuxHost({ socket, stopGraceMs: 500, control: true, env });
  onCleanup(() => ctl.close());
  const plain = new TmuxHost({ socket, stopGraceMs: 500 });
  for (const name of ['one', 'two']) {
    await plain.start({ name, command: printer([`${name}:`, ...AWKWARD]), cwd: '/', env: {} });
  }
  await waitFor('both screens drawn', async () => {
    const s = await plain.screens(['one', 'two']);
    return [...s.values()].every((lines) => lines.some((l) => l.includes('gt-screen x')));
  });
  return { socket, ctl, plain };
}

function controlClients(socket: string): string[] {
  return tmux(socket, 'list-clients', '-F', '#{client_control_mode} #{client_pid}')
    .split('\n')
    .filter((l) => l.startsWith('1 '));
}

/** Looks until the host's control client is attached (it starts after the first look). */
async function clientUp(ctl: TmuxHost, socket: string, session = 'one'): Promise<string> {
  return waitFor('the control client attached', async () => {
    await ctl.screens([session]);
    return controlClients(socket)[0];
  });
}

describe('control-mode lines (plain data)', () => {
  it.each([
    [['display-message', '-p', 'x'], '"display-message" "-p" "x"'],
    [['send-keys', '-t', '=a:^.0', 'Enter'], '"send-keys" "-t" "=a:^.0" "Enter"'],
    [['display-message', '-p', "it's $HOME"], '"display-message" "-p" "it\\047s \\044HOME"'],
    [['set-buffer', '--', 'a\nü'], '"set-buffer" "--" "a\\012\\303\\274"'],
  ])('quotes %j as one line', (cmd, line) => {
    expect(controlLine([cmd])).toBe(line);
  });

  it('leaves to a process of its own what cannot go over the channel', () => {
    expect(controlLine([['kill-session', '-t', '=a:']])).toBeUndefined();
    expect(controlLine([['new-session', '-d']])).toBeUndefined();
    expect(controlLine([['display-message', '-p', 'nul\0']])).toBeUndefined();
    expect(
      controlLine([
        ['capture-pane', '-p'],
        ['load-buffer', '-'],
      ]),
    ).toBeUndefined();
    expect(controlLine([])).toBeUndefined();
    expect(quoteArg('')).toBe('""');
  });

  it("writes a paste's text into the line, up to 64 kB", () => {
    const load = [
      ['load-buffer', '-b', 'b1', '-'],
      ['paste-buffer', '-b', 'b1'],
    ];
    expect(inlineInput(load, 'hi\n')).toEqual([
      ['set-buffer', '-b', 'b1', '--', 'hi\n'],
      ['paste-buffer', '-b', 'b1'],
    ]);
    expect(inlineInput(load, undefined)).toBe(load);
    expect(inlineInput(load, 'x'.repeat(64 * 1024 + 1))).toBeUndefined();
  });

  it('finds the session a command is about by its exact target', () => {
    expect(targetSession([['list-panes', '-a']])).toBeUndefined();
    expect(targetSession([['capture-pane', '-p', '-t', '=gt-alpha-max:^.0']])).toBe('gt-alpha-max');
    expect(
      targetSession([
        ['display-message', '-p', 'x'],
        ['send-keys', '-t', '=b:'],
      ]),
    ).toBe('b');
  });
});

describe('TmuxHost with a control-mode client (real tmux)', () => {
  it('reads the same screens, byte for byte, as a tmux process per call', async () => {
    const { socket, ctl, plain } = await hosts();
    const a = await ctl.screens(['one', 'two']);
    const b = await plain.screens(['one', 'two']);
    expect(a).toEqual(b);
    expect(a.get('one')).toEqual(expect.arrayContaining(['one:', ...AWKWARD.slice(0, 7)]));
    expect(await ctl.capture('two', 20)).toEqual(await plain.capture('two', 20));
    // Each argument reaches tmux as written: display-message prints it back (its formats and
    // strftime escapes escaped).
    const client = new TmuxClient(socket, 5000, process.env, true);
    onCleanup(() => client.control?.close());
    const round = AWKWARD.map((text) =>
      client.run('display-message', [
        ['display-message', '-p', '-t', '=one:', escapeFormat(text).replaceAll('%', '%%')],
      ]),
    );
    expect(await Promise.all(round)).toEqual(AWKWARD.map((t) => `${t}\n`));
  });

  it('makes no tmux process per look once its client runs', async () => {
    const counting = countingTmux();
    const { socket, ctl } = await hosts(counting.env);
    await clientUp(ctl, socket);
    const after = counting.count();
    for (let i = 0; i < 20; i++) await ctl.screens(['one', 'two']);
    await ctl.sendKeys('one', ['Enter']);
    await ctl.list();
    expect(counting.count()).toBe(after);
    expect(after).toBeLessThanOrEqual(2);
  });

  it('pastes text whole over the channel, and larger text through a process, as before', async () => {
    const counting = countingTmux();
    const socket = tmuxSocket();
    const ctl = new TmuxHost({ socket, control: true, env: counting.env });
    onCleanup(() => ctl.close());
    const dir = tempDir('pasted');
    for (const name of ['p1', 'p2'])
      await ctl.start({ name, command: `exec cat > '${join(dir, name)}'`, cwd: '/', env: {} });
    const small = AWKWARD.filter((l) => !l.includes('\u001e')).join('\n');
    const large = Array.from(
      { length: 1200 },
      (_, i) => `line ${i} ${"it's $HOME ü ".repeat(5)}`,
    ).join('\n');
    await clientUp(ctl, socket, 'p1');
    const before = counting.count();
    await ctl.paste('p1', small, { keys: ['Enter'], delayMs: 0 });
    expect(counting.count()).toBe(before);
    await ctl.paste('p2', large, { keys: ['Enter'], delayMs: 50 });
    expect(counting.count()).toBe(before + 1);
    for (const [name, text] of [
      ['p1', small],
      ['p2', large],
    ] as const)
      await waitFor(`${name}'s text whole`, () => {
        const file = join(dir, name);
        return existsSync(file) && readFileSync(file, 'utf8') === `${text}\n`;
      });
  });

  it('does not count as a terminal attached, nor size the window', async () => {
    const { socket, ctl, plain } = await hosts();
    tmux(socket, 'resize-window', '-t', '=one:', '-x', '123', '-y', '37');
    await clientUp(ctl, socket);
    expect(controlClients(socket)).toHaveLength(1);
    expect(
      tmux(socket, 'display-message', '-p', '-t', '=one:', '#{window_width}x#{window_height}'),
    ).toBe('123x37\n');
    expect((await ctl.list()).map((s) => [s.name, s.attached])).toEqual([
      ['one', false],
      ['two', false],
    ]);
    expect((await ctl.find('one'))?.attached).toBe(false);
    // Nor for another program's listing (gt session list in a person's shell).
    expect((await plain.list()).map((s) => s.attached)).toEqual([false, false]);
    const terminal = spawn('script', ['-qfc', `tmux -L ${socket} attach -t =one:`, '/dev/null'], {
      stdio: 'pipe',
    });
    onCleanup(() => terminal.kill('SIGKILL'));
    await waitFor('a terminal attached', async () => (await plain.find('one'))?.attached === true);
    expect((await ctl.find('one'))?.attached).toBe(true);
    expect((await ctl.find('two'))?.attached).toBe(false);
  });

  it('says a session is gone in the same typed error', async () => {
    const { ctl } = await hosts();
    await ctl.screens(['one']);
    await expect(ctl.sendKeys('nosuch', ['Enter'])).rejects.toBeInstanceOf(SessionNotFoundError);
    expect((await ctl.screens(['one', 'nosuch'])).has('one')).toBe(true);
  });

  it('the session it is attached to ending loses no look: it attaches again where asked', async () => {
    const { socket, ctl, plain } = await hosts();
    const first = await clientUp(ctl, socket);
    tmux(socket, 'kill-session', '-t', '=one:');
    const screens = await ctl.screens(['two']);
    expect(screens.get('two')).toEqual((await plain.screens(['two'])).get('two'));
    await waitFor('a client attached again', async () => {
      await ctl.screens(['two']);
      const now = controlClients(socket);
      return now.length === 1 && now[0] !== first;
    });
  });

  it('the server killed: no sessions, then a new server is used as before', async () => {
    const { socket, ctl, plain } = await hosts();
    await clientUp(ctl, socket);
    tmux(socket, 'kill-server');
    expect(await ctl.list()).toEqual([]);
    expect(await ctl.screens(['one'])).toEqual(new Map());
    await plain.start({ name: 'three', command: printer(['three:']), cwd: '/', env: {} });
    await waitFor('the new session read', async () =>
      (await ctl.screens(['three'])).get('three')?.includes('three:'),
    );
  });

  it('with no server, starts no client (an attach would start a server of its own)', async () => {
    const counting = countingTmux();
    const socket = tmuxSocket();
    const ctl = new TmuxHost({ socket, control: true, env: counting.env });
    onCleanup(() => ctl.close());
    expect(await ctl.list()).toEqual([]);
    expect(await ctl.screens(['one'])).toEqual(new Map());
    await expect(ctl.sendKeys('one', ['Enter'])).rejects.toBeInstanceOf(TmuxNoServerError);
    // One tmux process per call, and none besides: no client, so no server started by one.
    expect(counting.count()).toBe(3);
    expect(existsSync(tmuxSocketPath(socket))).toBe(false);
  });

  it('close ends its client, and a later look starts another', async () => {
    const { socket, ctl } = await hosts();
    await clientUp(ctl, socket);
    ctl.close();
    await waitFor('no control client', () => controlClients(socket).length === 0);
    await waitFor('a control client again', async () => {
      await ctl.screens(['one']);
      return controlClients(socket).length === 1;
    });
  });
});
