// Claude Code's hooks go into the agent's work dir beside the user's own, never replacing them,
// and stay out of the clone's git history.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_COMMANDS } from '../../src/agents/agent.js';
import {
  CLAUDE_SETTINGS,
  installClaudeHooks,
  mergeHooks,
} from '../../src/agents/runtime/claude-hooks.js';
import { makeOrigin } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';

const commandsOf = (settings: Record<string, unknown>, event: string): string[] =>
  (
    (settings.hooks as Record<string, Array<{ hooks: Array<{ command: string }> }>>)[event] ?? []
  ).flatMap((g) => g.hooks.map((h) => h.command));

describe('Claude Code hooks', () => {
  it('are added beside the user’s own settings and hooks, and a second install changes nothing', () => {
    const user = {
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] },
    };
    const merged = mergeHooks(user, HOOK_COMMANDS) ?? {};
    expect(merged.permissions).toEqual(user.permissions);
    expect(commandsOf(merged, 'Stop')).toEqual(['notify-send done', 'gt agent report stop']);
    expect(commandsOf(merged, 'SessionStart')).toEqual(['gt prime --hook']);
    expect(commandsOf(merged, 'UserPromptSubmit')).toEqual([
      'gt agent report prompt --inject-mail',
    ]);
    expect(commandsOf(merged, 'Notification')).toEqual(['gt agent report notification']);
    expect(mergeHooks(merged, HOOK_COMMANDS)).toBeUndefined();
  });

  it('an older gt’s two prompt commands give way to the one process; the user’s own stay', () => {
    const older = {
      hooks: {
        UserPromptSubmit: [
          {
            hooks: [
              { type: 'command', command: 'gt mail check --inject' },
              { type: 'command', command: 'gt agent report prompt' },
            ],
          },
          { hooks: [{ type: 'command', command: 'my-own-prompt-logger' }] },
        ],
      },
    };
    const merged = mergeHooks(older, HOOK_COMMANDS) ?? {};
    expect(commandsOf(merged, 'UserPromptSubmit')).toEqual([
      'my-own-prompt-logger',
      'gt agent report prompt --inject-mail',
    ]);
    expect(mergeHooks(merged, HOOK_COMMANDS)).toBeUndefined();
  });

  it('in a clone: written private, excluded from git, the user’s file kept; a broken file is left alone', () => {
    const clone = join(tempDir('hooks'), 'clone');
    execFileSync('git', ['clone', '--quiet', makeOrigin(tempDir('origin')), clone]);
    mkdirSync(join(clone, '.claude'));
    const file = join(clone, CLAUDE_SETTINGS);
    writeFileSync(file, JSON.stringify({ model: 'mine' }), { mode: 0o600 });
    installClaudeHooks(clone, HOOK_COMMANDS);
    installClaudeHooks(clone, HOOK_COMMANDS);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(written.model).toBe('mine');
    expect(commandsOf(written, 'Stop')).toEqual(['gt agent report stop']);
    // a turn ended by an API error reports its end too
    expect(commandsOf(written, 'StopFailure')).toEqual(['gt agent report stop']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })).toBe(
      '',
    );
    const exclude = readFileSync(join(clone, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === `/${CLAUDE_SETTINGS}`)).toHaveLength(1);
    expect(written.skipDangerousModePermissionPrompt).toBeUndefined();
    installClaudeHooks(clone, HOOK_COMMANDS, 'claude --dangerously-skip-permissions');
    const consented = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(consented).toMatchObject({ model: 'mine', skipDangerousModePermissionPrompt: true });
    writeFileSync(file, '{ not json');
    expect(() => installClaudeHooks(clone, HOOK_COMMANDS)).toThrow(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });
});
