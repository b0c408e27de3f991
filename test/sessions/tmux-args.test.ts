// The pure half of the tmux host: argument escaping, the shell argv, parsing tmux's answers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadSessionNameError } from '../../src/sessions/errors.js';
import {
  checkSessionName,
  escapeArg,
  escapeFormat,
  joinCommands,
  lastLines,
  parseSessions,
  sessionTarget,
  shellArgv,
  startCommands,
} from '../../src/sessions/tmux-args.js';
import { sessionState } from '../../src/sessions/host.js';
import type { SessionInfo } from '../../src/sessions/host.js';
import { parseStat } from '../../src/sessions/proc.js';
import { parseIdentity, sessionName } from '../../src/town/identity.js';

describe('checkSessionName', () => {
  it('accepts every session name an identity can have', () => {
    for (const address of [
      'mayor',
      'deacon',
      'a/witness',
      'my-rig/refinery',
      'my_rig-2/crew/joe-x_1',
    ]) {
      const name = sessionName(parseIdentity(address));
      expect(checkSessionName(name)).toBe(name);
    }
  });

  it.each([
    '',
    ' ',
    'gt x',
    'gt;x',
    'gt-x;',
    '-t',
    '=gt',
    'gt:x',
    'gt.x',
    '../x',
    'gt/x',
    '#(touch x)',
    'gt-x\n',
    'x'.repeat(101),
    'ü',
  ])('refuses %j', (name) => {
    expect(() => checkSessionName(name)).toThrow(BadSessionNameError);
  });
});

describe('sessionTarget', () => {
  it('names the session exactly (=) and as a session (:)', () => {
    expect(sessionTarget('gt-alpha')).toBe('=gt-alpha:');
    expect(() => sessionTarget('gt:x')).toThrow(BadSessionNameError);
  });
});

describe('lastLines', () => {
  it.each<[string[], number, string[]]>([
    [['a', 'b', 'c', '', ''], 2, ['b', 'c']],
    [['a  ', 'b\t', ''], 5, ['a', 'b']],
    [
      ['last words', '', '', 'Pane is dead (status 3, Tue Nov 24 05:41:14 2026)', ''],
      1,
      ['last words'],
    ],
    [['x', 'Pane is dead'], 5, ['x']],
    [['Pane is dead is what I said', ''], 1, ['Pane is dead is what I said']],
    [['', '', ''], 3, []],
    [['a', '', 'b'], 3, ['a', '', 'b']],
  ])('%j, %i → %j', (screen, count, expected) => {
    expect(lastLines(screen, count)).toEqual(expected);
  });
});

describe('escapeArg: tmux reads a trailing ";" as a command separator', () => {
  it.each([
    ['plain', 'plain'],
    ['a;b', 'a;b'],
    ['x;', 'x\\;'],
    [';', '\\;'],
    ['a\\;', 'a\\\\;'],
    ['', ''],
  ])('%j → %j', (arg, escaped) => {
    expect(escapeArg(arg)).toBe(escaped);
  });

  it('joins commands with lone separators and escapes only data', () => {
    expect(joinCommands([['a', 'x;'], ['b'], [';']])).toEqual(['a', 'x\\;', ';', 'b', ';', '\\;']);
  });
});

describe('escapeFormat', () => {
  it.each([
    ['plain text', 'plain text'],
    ['#(touch m)', '##(touch m)'],
    ['#{session_name}', '##{session_name}'],
    ['##', '####'],
    ['#[fg=red]', '##[fg=red]'],
  ])('%j → %j', (text, escaped) => {
    expect(escapeFormat(text)).toBe(escaped);
  });
});

describe('shellArgv: the agent is the pane’s first process', () => {
  it.each([
    ['claude --dangerously-skip-permissions', 'exec claude --dangerously-skip-permissions'],
    ['sleep 1000', 'exec sleep 1000'],
    [`sh -c 'env > f; exec sleep 1000'`, `exec sh -c 'env > f; exec sleep 1000'`],
    ['codex --prompt "a; b | c"', 'exec codex --prompt "a; b | c"'],
    ['agent > log 2>&1', 'agent > log 2>&1'],
    ['a; b', 'a; b'],
    ['a && b', 'a && b'],
    ['a | b', 'a | b'],
    ['(a)', '(a)'],
    ['a\nb', 'a\nb'],
    ['FOO=1 claude', 'FOO=1 claude'],
    ['exit 7', 'exit 7'],
    ['cd /x', 'cd /x'],
    ['exec claude', 'exec claude'],
    ['if true; then a; fi', 'if true; then a; fi'],
    ['agent \\; x', 'exec agent \\; x'],
  ])('%j runs as %j', (command, script) => {
    expect(shellArgv(command)).toEqual(['/bin/sh', '-c', script]);
  });
});

describe('parseSessions', () => {
  it('groups panes by session, the first pane being the agent’s', () => {
    const out = [
      'gt-a\t100\t0\t\t1700000000\t0\t/town/one\tclaude',
      'gt-a\t101\t0\t\t1700000000\t0\t/town/one\tbash',
      'gt-b\t200\t1\t3\t1700000005\t2\t\tsh',
      'not a row',
      '',
    ].join('\n');
    expect(parseSessions(out)).toEqual<SessionInfo[]>([
      {
        name: 'gt-a',
        panePid: 100,
        panePids: [100, 101],
        paneCommand: 'claude',
        paneDead: false,
        paneDeadStatus: null,
        createdAt: 1_700_000_000_000,
        attached: false,
        town: '/town/one',
      },
      {
        name: 'gt-b',
        panePid: 200,
        panePids: [200],
        paneCommand: 'sh',
        paneDead: true,
        paneDeadStatus: 3,
        createdAt: 1_700_000_005_000,
        attached: true,
        town: null,
      },
    ]);
  });

  it('does not count a control-mode client as a terminal attached', () => {
    const out = [
      'gt-a\t100\t0\t\t1700000000\t1\t\tclaude',
      'gt-b\t200\t0\t\t1700000000\t2\t\tclaude',
      'gt-c\t300\t0\t\t1700000000\t1\t\tclaude',
      '\u001egt-control gt-a',
      '\u001egt-control gt-b',
      '',
    ].join('\n');
    expect(parseSessions(out).map((s) => [s.name, s.attached])).toEqual([
      ['gt-a', false],
      ['gt-b', true],
      ['gt-c', true],
    ]);
  });

  it('keeps a tab inside the pane command and skips sessions with names we never make', () => {
    const out = ['gt-a\t1\t0\t\t1\t0\t\tweird\tname', 'has space\t2\t0\t\t1\t0\t\tsh'].join('\n');
    expect(parseSessions(out).map((s) => [s.name, s.paneCommand])).toEqual([
      ['gt-a', 'weird\tname'],
    ]);
  });
});

describe('sessionState', () => {
  const base: SessionInfo = {
    name: 'gt-a',
    panePid: 1,
    panePids: [1],
    paneCommand: 'x',
    paneDead: false,
    paneDeadStatus: null,
    createdAt: 0,
    attached: false,
    town: null,
  };
  it.each<[Partial<SessionInfo>, 'alive' | 'zombie']>([
    [{}, 'alive'],
    [{ paneDead: true, paneDeadStatus: 0 }, 'zombie'],
    [{ panePid: null, panePids: [] }, 'zombie'],
  ])('%j → %s', (patch, state) => {
    expect(sessionState({ ...base, ...patch })).toBe(state);
  });
});

describe('startCommands', () => {
  const spec = {
    name: 'gt-a',
    cwd: '/town/#{x}',
    command: 'agent',
    env: { GT_ROLE: 'a/witness', ODD: 'x;' },
  };

  it('creates the session with its first process in one invocation; no value of its environment in the argv', () => {
    const commands = startCommands({ ...spec, remainOnExit: true }, '/town');
    const [copy, create, reset, unsetRole, unsetOdd, remain, mark, ...rest] = commands;
    expect(copy).toEqual([
      'set-option',
      '-g',
      'update-environment',
      'DISPLAY KRB5CCNAME SSH_ASKPASS SSH_AUTH_SOCK SSH_AGENT_PID SSH_CONNECTION WINDOWID XAUTHORITY GT_ROLE ODD',
    ]);
    expect(create?.slice(0, 4)).toEqual(['new-session', '-d', '-s', 'gt-a']);
    // -c is expanded as a format by tmux
    expect(create?.[create.indexOf('-c') + 1]).toBe('/town/##{x}');
    expect(create?.slice(-4)).toEqual(['--', '/bin/sh', '-c', 'exec agent']);
    expect(reset).toEqual(['set-option', '-gu', 'update-environment']);
    expect([unsetRole, unsetOdd]).toEqual([
      ['set-environment', '-gu', 'GT_ROLE'],
      ['set-environment', '-gu', 'ODD'],
    ]);
    expect(remain).toEqual(['set-option', '-w', '-t', '=gt-a:', 'remain-on-exit', 'on']);
    expect(mark).toEqual(['set-option', '-t', '=gt-a:', '@gt_town', '/town']);
    expect(rest).toEqual([]);
    expect(commands.flat().some((arg) => arg.includes('a/witness') || arg.includes('x;'))).toBe(
      false,
    );
  });

  it('takes what the session must not inherit out of the server’s environment first, unless the spec sets it', () => {
    const commands = startCommands({ ...spec, unset: ['CI', 'GT_ROLE'] });
    expect(commands[0]).toEqual(['set-environment', '-gu', 'CI']);
    expect(commands[1]?.[0]).toBe('set-option');
    expect(commands.filter((c) => c.join(' ') === 'set-environment -gu GT_ROLE')).toHaveLength(1);
    expect(() => startCommands({ ...spec, unset: ['BAD NAME'] })).toThrow(
      expect.objectContaining({ code: 'GT_BAD_ENV' }) as Error,
    );
  });

  it('sets the server options the CLI needs before the session is made; odd names are refused', () => {
    const commands = startCommands({ ...spec, serverOptions: { 'extended-keys': 'on' } });
    expect(commands[0]).toEqual(['set-option', '-sq', 'extended-keys', 'on']);
    expect(commands.findIndex((c) => c[0] === 'new-session')).toBeGreaterThan(0);
    const odd: Array<Record<string, string>> = [
      { '-g': 'x' },
      { '@mine': 'x' },
      { 'escape-time': '-1' },
    ];
    for (const bad of odd)
      expect(() => startCommands({ ...spec, serverOptions: bad })).toThrow(
        expect.objectContaining({ code: 'GT_BAD_COMMAND' }) as Error,
      );
  });

  it('escapes the status line so it is never run as a format', () => {
    const theme = {
      bg: 'colour24',
      fg: 'colour231',
      statusLeft: '#(touch m) a',
      statusRight: '#{pid}',
    };
    const commands = startCommands({ ...spec, theme });
    expect(commands).toContainEqual([
      'set-option',
      '-t',
      '=gt-a:',
      'status-left',
      ' ##(touch m) a ',
    ]);
    expect(commands).toContainEqual(['set-option', '-t', '=gt-a:', 'status-right', ' ##{pid} ']);
  });

  it.each([
    [{ name: 'gt a' }, 'GT_BAD_SESSION_NAME'],
    [{ cwd: 'relative' }, 'GT_BAD_WORKDIR'],
    [{ command: '  ' }, 'GT_BAD_COMMAND'],
    [{ env: { 'BAD KEY': 'x' } }, 'GT_BAD_ENV'],
    [{ env: { K: 'a\0b' } }, 'GT_BAD_ENV'],
    [{ theme: { bg: 'red,fg=#(x)', fg: 'white', statusLeft: '' } }, 'GT_BAD_THEME'],
  ])('refuses %j with %s', (patch, code) => {
    let caught: unknown;
    try {
      startCommands({ ...spec, ...patch });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code });
  });
});

describe('parseStat', () => {
  it('reads ppid, session id and start time past a command name holding spaces and parentheses', () => {
    const fields = ['S', '10', '12', '12', ...Array.from({ length: 15 }, () => '0'), '98765', '0'];
    expect(parseStat(`4242 (a) (b c)) ${fields.join(' ')}`)).toEqual({
      pid: 4242,
      ppid: 10,
      sid: 12,
      start: '98765',
      state: 'S',
    });
  });

  it('reads this process’s own stat', () => {
    const entry = parseStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(entry).toMatchObject({ pid: process.pid, ppid: process.ppid, state: 'R' });
  });

  it('refuses garbage', () => {
    expect(parseStat('nonsense')).toBeUndefined();
  });
});
