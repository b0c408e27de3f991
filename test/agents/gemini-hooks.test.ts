// Gemini CLI's hooks go into the work dir's .gemini/settings.json beside the user's own, never
// replacing them, answer in the JSON Gemini CLI reads, and stay out of the clone's git history.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_COMMANDS } from '../../src/agents/agent.js';
import { mergeHookGroups } from '../../src/agents/runtime/claude-hooks.js';
import {
  GEMINI_SETTINGS,
  geminiHookGroups,
  installGeminiHooks,
  trustedFoldersFile,
  trustWorkDir,
  withFullErrors,
} from '../../src/agents/runtime/gemini-hooks.js';
import { makeOrigin } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';

type Json = Record<string, unknown>;

const commandsOf = (settings: Json, event: string): string[] =>
  (
    (settings.hooks as Record<string, Array<{ hooks: Array<{ command: string }> }>>)[event] ?? []
  ).flatMap((g) => g.hooks.map((h) => h.command));

describe('Gemini CLI hooks', () => {
  it('run gt by Gemini CLI’s event names, each told to answer as Gemini CLI reads it', () => {
    const merged = mergeHookGroups({}, geminiHookGroups(HOOK_COMMANDS)) ?? {};
    expect(commandsOf(merged, 'SessionStart')).toEqual(['gt prime --hook --hook-format gemini']);
    expect(commandsOf(merged, 'BeforeAgent')).toEqual([
      'gt agent report prompt --inject-mail --hook-format gemini',
    ]);
    expect(commandsOf(merged, 'AfterAgent')).toEqual(['gt agent report stop --hook-format gemini']);
    expect(commandsOf(merged, 'Notification')).toEqual([
      'gt agent report notification --hook-format gemini',
    ]);
  });

  it('errors are shown in full unless the project says otherwise', () => {
    expect(withFullErrors({ ui: { theme: 'x' } })).toEqual({
      ui: { theme: 'x', errorVerbosity: 'full' },
    });
    expect(withFullErrors({ ui: { errorVerbosity: 'low' } })).toBeUndefined();
  });

  it('in a clone: merged into the user’s file, written private, excluded from git; a broken file is left alone', () => {
    const clone = join(tempDir('hooks'), 'clone');
    execFileSync('git', ['clone', '--quiet', makeOrigin(tempDir('origin')), clone]);
    mkdirSync(join(clone, '.gemini'));
    const file = join(clone, GEMINI_SETTINGS);
    const mine = { type: 'command', command: 'notify-send done' };
    const user = { model: { name: 'mine' }, hooks: { AfterAgent: [{ hooks: [mine] }] } };
    writeFileSync(file, JSON.stringify(user), { mode: 0o640 });
    installGeminiHooks(clone, HOOK_COMMANDS);
    const once = readFileSync(file, 'utf8');
    installGeminiHooks(clone, HOOK_COMMANDS);
    expect(readFileSync(file, 'utf8')).toBe(once);
    const written = JSON.parse(once) as Json;
    expect(written.model).toEqual({ name: 'mine' });
    expect(written.ui).toEqual({ errorVerbosity: 'full' });
    expect(commandsOf(written, 'AfterAgent')).toEqual([
      'notify-send done',
      'gt agent report stop --hook-format gemini',
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })).toBe(
      '',
    );
    const exclude = readFileSync(join(clone, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === `/${GEMINI_SETTINGS}`)).toHaveLength(1);
    writeFileSync(file, '{ not json');
    expect(() => installGeminiHooks(clone, HOOK_COMMANDS)).toThrow(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });

  it('a work dir without settings gets a private file', () => {
    const dir = tempDir('plain');
    installGeminiHooks(dir, HOOK_COMMANDS);
    expect(statSync(join(dir, GEMINI_SETTINGS)).mode & 0o777).toBe(0o600);
  });
});

describe('the work dir trusted before Gemini CLI starts', () => {
  it('is added beside the folders the user trusted, in the session HOME, private', () => {
    const home = tempDir('gemini-trust');
    const env = { HOME: home };
    const file = trustedFoldersFile(env);
    expect(file).toBe(join(home, '.gemini', 'trustedFolders.json'));
    mkdirSync(join(home, '.gemini'));
    writeFileSync(file, JSON.stringify({ '/home/me/project': 'TRUST_PARENT' }));
    trustWorkDir(env, '/town/alpha/crew/max');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      '/home/me/project': 'TRUST_PARENT',
      '/town/alpha/crew/max': 'TRUST_FOLDER',
    });
    const fresh = tempDir('gemini-trust');
    trustWorkDir({ HOME: fresh }, '/w');
    expect(statSync(trustedFoldersFile({ HOME: fresh })).mode & 0o777).toBe(0o600);
  });

  it('follows GEMINI_CLI_TRUSTED_FOLDERS_PATH, as Gemini CLI does', () => {
    const own = join(tempDir('gemini-trust'), 'folders.json');
    trustWorkDir({ HOME: '/nowhere', GEMINI_CLI_TRUSTED_FOLDERS_PATH: own }, '/w');
    expect(JSON.parse(readFileSync(own, 'utf8'))).toEqual({ '/w': 'TRUST_FOLDER' });
  });

  it('leaves a file that is not a JSON object as it is (the trust dialog is answered instead)', () => {
    const home = tempDir('gemini-trust');
    const file = trustedFoldersFile({ HOME: home });
    mkdirSync(join(home, '.gemini'));
    writeFileSync(file, '{ not json');
    trustWorkDir({ HOME: home }, '/w');
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });
});
