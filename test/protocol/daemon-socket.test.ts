// The daemon socket's vocabulary: which command lines the daemon answers, and the frame the
// native gt reads.
import { describe, expect, it } from 'vitest';
import { answerFrame, requestOfArgs } from '../../src/protocol/daemon-socket.js';

describe('requestOfArgs', () => {
  const hook = (event: string, injectMail = false, hookFormat?: string) => ({
    request: { gt: 'hook', v: 1, event, injectMail, hookFormat },
    withInput: true,
  });
  const nudge = (to: string, words: string[], json = false) => ({
    request: { gt: 'nudge', v: 1, to, words, json },
    withInput: false,
  });
  const mail = (to: string, flags: Record<string, string>, json = false) => ({
    request: { gt: 'mail-send', v: 1, to, flags, json },
    withInput: false,
  });
  const status = (json: boolean) => ({ request: { gt: 'status', v: 1, json }, withInput: false });
  const handoff = (action: string, text: Record<string, string>, json = false) => ({
    request: { gt: 'handoff', v: 1, action, ...text, json },
    withInput: false,
  });
  const prime = (json: boolean) => ({ request: { gt: 'prime', v: 1, json }, withInput: false });
  const restart = (to: string, json: boolean) => ({
    request: { gt: 'restart', v: 1, to, json },
    withInput: false,
  });
  const table: Array<[string[], unknown]> = [
    [['agent', 'report', 'prompt'], hook('prompt')],
    [['agent', 'report', 'prompt', '--inject-mail'], hook('prompt', true)],
    [['agent', 'report', 'stop', '--hook-format', 'codex'], hook('stop', false, 'codex')],
    [
      ['agent', 'report', 'notification', '--hook-format=gemini'],
      hook('notification', false, 'gemini'),
    ],
    [['agent', 'report', 'compact'], undefined],
    [['agent', 'report', 'explode'], undefined],
    [['agent', 'report', 'stop', '--hook-format'], undefined],
    [['agent', 'report', 'stop', '--help'], undefined],
    [['agent', 'status', 'stop'], undefined],
    [['nudge', 'mayor', 'hello', 'there'], nudge('mayor', ['hello', 'there'])],
    [['nudge', 'mayor', 'hi', '--json'], nudge('mayor', ['hi'], true)],
    [['nudge', 'mayor', '--stdin'], undefined],
    [['nudge', 'mayor', 'hi', '--from', 'x'], undefined],
    [['nudge', '--list'], undefined],
    [['nudge', 'mayor'], undefined],
    [['mail', 'send', 'mayor'], mail('mayor', {})],
    [
      ['mail', 'send', 'mayor', '-s', 'a', '--message', 'b', '-s', 'c', '--json'],
      mail('mayor', { subject: 'c', message: 'b' }, true),
    ],
    [
      ['mail', 'send', '-m', 'x', 'mayor', '--body', 'y'],
      mail('mayor', { message: 'x', body: 'y' }),
    ],
    [['mail', 'send', 'mayor', '-s'], undefined],
    [['mail', 'send', 'mayor', '-s', '-x'], undefined],
    [['mail', 'send', 'mayor', 'deacon'], undefined],
    [['mail', 'send', 'mayor', '--stdin'], undefined],
    [['mail', 'send', 'mayor', '--to', 'deacon'], undefined],
    [['mail', 'send', '-s', 'x'], undefined],
    [['status'], status(false)],
    [['stat', '--json'], status(true)],
    [['status', '--json', '--json'], undefined],
    [['status', 'x'], undefined],
    [['handoff'], handoff('cycle', {})],
    [
      ['handoff', '--shutdown', '-s', 'a', '--message', 'b', '--json'],
      handoff('shutdown', { subject: 'a', message: 'b' }, true),
    ],
    [['handoff', '--restart', '--restart'], handoff('restart', {})],
    [['handoff', '--cycle', '--restart'], undefined],
    [['handoff', '--wait'], undefined],
    [['handoff', '-m'], undefined],
    [['handoff', 'mayor'], undefined],
    [['prime'], prime(false)],
    [['prime', '--json'], prime(true)],
    [['prime', '--hook'], undefined],
    [['prime', '--identity', 'mayor'], undefined],
    [['session', 'restart', 'alpha/crew/max'], restart('alpha/crew/max', false)],
    [['session', 'restart', 'mayor', '--json'], restart('mayor', true)],
    [['session', 'restart', 'mayor', '--fresh'], undefined],
    [['session', 'restart', '--json', 'mayor'], undefined],
    [['session', 'start', 'mayor'], undefined],
    [[], undefined],
  ];
  it.each(table)('%j', (args, expected) => {
    expect(requestOfArgs(args)).toEqual(expected);
  });
});

describe('answerFrame', () => {
  it('frames output by its bytes, not its characters', () => {
    const frame = answerFrame({ stdout: 'é🚀\n', stderr: 'x', code: 2 });
    expect(frame.toString('utf8')).toBe('GT1 2 7 1\né🚀\nx');
  });
  it.each([
    [{ fallback: 'no' }],
    [{ stdout: 'a', stderr: 'b', code: 256 }],
    [{ stdout: 'a', stderr: 'b', code: -1 }],
    [{ stdout: 'a', stderr: 'b', code: 1.5 }],
    [{ stdout: 'a' }],
    [{ stdout: 'a', stderr: 'b', fallback: 'also' }],
  ])('answers fallback to %j', (answer) => {
    expect(answerFrame(answer).toString()).toBe('GT1 fallback\n');
  });
  it('an empty answer is code 0 with nothing to print', () => {
    expect(answerFrame({ stdout: '', stderr: '' }).toString()).toBe('GT1 0 0 0\n');
  });
});
