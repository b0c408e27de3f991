// Claude Code's start-up answers written ahead into its config: real files in a scratch HOME,
// and the pure merge over plain data.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  answerClaudeAhead,
  apiKeyMark,
  claudeConfigPath,
  withAnswers,
} from '../../src/agents/runtime/claude-config.js';
import { tempDir } from '../helpers/temp.js';

const KEY = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

function home(config: string | undefined): { home: string; file: string; work: string } {
  const dir = tempDir('claude-config');
  const work = join(dir, 'work');
  mkdirSync(work);
  const file = join(dir, '.claude.json');
  if (config !== undefined) writeFileSync(file, config, { mode: 0o600 });
  return { home: dir, file, work };
}

describe('withAnswers (plain data)', () => {
  const cases: Array<[string, Record<string, unknown>, string | undefined, string[]]> = [
    ['a bare config: both', {}, KEY, ['trust', 'api-key']],
    ['no key in the environment: trust only', {}, undefined, ['trust']],
    ['an empty key: trust only', {}, '  ', ['trust']],
    [
      'both answered already: nothing',
      {
        projects: { '/w': { hasTrustDialogAccepted: true } },
        customApiKeyResponses: { approved: [apiKeyMark(KEY)], rejected: [] },
      },
      KEY,
      [],
    ],
    [
      'a key the person rejected stays rejected',
      { customApiKeyResponses: { approved: [], rejected: [apiKeyMark(KEY)] } },
      KEY,
      ['trust'],
    ],
    [
      'projects that are not an object: the trust is left to the screen',
      { projects: [] },
      KEY,
      ['api-key'],
    ],
    [
      'key responses that are not an object: the key is left to the screen',
      { customApiKeyResponses: 'yes' },
      KEY,
      ['trust'],
    ],
  ];
  it.each(cases)('%s', (_name, config, key, answered) => {
    expect(withAnswers(config, '/w', key).answered).toEqual(answered);
  });

  it('keeps what the project and the responses held', () => {
    const { config } = withAnswers(
      {
        theme: 'dark',
        projects: { '/w': { allowedTools: ['Bash'] }, '/x': { hasTrustDialogAccepted: true } },
        customApiKeyResponses: { approved: ['old'], rejected: ['bad'] },
      },
      '/w',
      KEY,
    );
    expect(config).toEqual({
      theme: 'dark',
      projects: {
        '/w': { allowedTools: ['Bash'], hasTrustDialogAccepted: true },
        '/x': { hasTrustDialogAccepted: true },
      },
      customApiKeyResponses: { approved: ['old', apiKeyMark(KEY)], rejected: ['bad'] },
    });
  });

  it('knows a key by its last 20 characters, as Claude Code does', () => {
    expect(apiKeyMark(` ${KEY}\n`)).toBe('ghijklmnopqrstuvwxyz');
  });
});

describe('answerClaudeAhead (a real config file)', () => {
  it('answers both in HOME/.claude.json, keeping its other keys and its mode', () => {
    const h = home(JSON.stringify({ hasCompletedOnboarding: true, numStartups: 7 }));
    chmodSync(h.file, 0o640);
    const answered = answerClaudeAhead({
      workDir: h.work,
      env: { HOME: h.home, ANTHROPIC_API_KEY: KEY },
    });
    expect(answered).toEqual(['trust', 'api-key']);
    const saved = JSON.parse(readFileSync(h.file, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({
      hasCompletedOnboarding: true,
      numStartups: 7,
      projects: { [h.work]: { hasTrustDialogAccepted: true } },
      customApiKeyResponses: { approved: [apiKeyMark(KEY)] },
    });
    expect(statSync(h.file).mode & 0o777).toBe(0o640);
    expect(readdirSync(h.home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The second time there is nothing to answer, and the file is not written.
    const before = statSync(h.file).mtimeMs;
    expect(
      answerClaudeAhead({ workDir: h.work, env: { HOME: h.home, ANTHROPIC_API_KEY: KEY } }),
    ).toEqual([]);
    expect(statSync(h.file).mtimeMs).toBe(before);
  });

  it('uses CLAUDE_CONFIG_DIR over HOME', () => {
    const h = home(undefined);
    const dir = join(h.home, 'config-dir');
    mkdirSync(dir);
    writeFileSync(join(dir, '.claude.json'), '{}');
    expect(claudeConfigPath({ HOME: h.home, CLAUDE_CONFIG_DIR: dir })).toBe(
      join(dir, '.claude.json'),
    );
    expect(
      answerClaudeAhead({ workDir: h.work, env: { HOME: h.home, CLAUDE_CONFIG_DIR: dir } }),
    ).toEqual(['trust']);
    expect(existsSync(h.file)).toBe(false);
  });

  it('writes through a symlinked config to the file it points at (the link stays a link)', () => {
    const h = home(undefined);
    const real = join(h.home, 'dotfiles-claude.json');
    writeFileSync(real, '{"theme":"dark"}');
    symlinkSync(real, h.file);
    expect(answerClaudeAhead({ workDir: h.work, env: { HOME: h.home } })).toEqual(['trust']);
    expect(lstatSync(h.file).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('hasTrustDialogAccepted');
    expect(JSON.parse(readFileSync(real, 'utf8'))).toMatchObject({ theme: 'dark' });
  });

  it('no config yet (Claude Code never set up): nothing answered, no file made', () => {
    const h = home(undefined);
    expect(
      answerClaudeAhead({ workDir: h.work, env: { HOME: h.home, ANTHROPIC_API_KEY: KEY } }),
    ).toEqual([]);
    expect(existsSync(h.file)).toBe(false);
  });

  it.each([
    ['not JSON', '{"theme": "dark",'],
    ['not an object', '["a"]'],
  ])('a config that is %s: a clear error, the file left byte for byte', (_what, text) => {
    const h = home(text);
    let err: unknown;
    try {
      answerClaudeAhead({ workDir: h.work, env: { HOME: h.home, ANTHROPIC_API_KEY: KEY } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'GT_CLAUDE_CONFIG' });
    expect((err as Error).message).toContain(h.file);
    expect(readFileSync(h.file, 'utf8')).toBe(text);
  });
});
