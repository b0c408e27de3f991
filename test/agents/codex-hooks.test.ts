// Codex's hooks go into $CODEX_HOME/hooks.json beside the user's own, never replacing them, and
// only gastown-ts's own handlers are trusted on Codex's command line, by the hash Codex keeps.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_COMMANDS } from '../../src/agents/agent.js';
import { codex } from '../../src/agents/runtime/codex.js';
import {
  codexHome,
  hookHash,
  hookTrustOverride,
  installCodexHooks,
  ourHookTrust,
} from '../../src/agents/runtime/codex-hooks.js';
import { tempDir } from '../helpers/temp.js';

type Json = Record<string, unknown>;

const commandsOf = (file: Json, event: string): string[] =>
  (
    (file.hooks as Record<string, Array<{ hooks: Array<{ command: string }> }>>)[event] ?? []
  ).flatMap((g) => g.hooks.map((h) => h.command));

const readJson = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;

describe('Codex hook trust hashes', () => {
  // Each hash as Codex 0.171.0 wrote it into config.toml on "Trust all and continue".
  it.each<[string, unknown, Json, string]>([
    [
      'SessionStart',
      undefined,
      { command: 'gt prime --hook' },
      'a0b34abf710e33731492d22361252e207e3cff251e5eac3a95d265a813395220',
    ],
    [
      'UserPromptSubmit',
      undefined,
      { command: 'gt mail check --inject' },
      'de3b8a9ffaaf6cce8caf2f8a6838b4b73df8941f9a514b2f186e29f8c6861dc8',
    ],
    [
      'UserPromptSubmit',
      undefined,
      { command: 'gt agent report prompt' },
      '7b790ed222e3a6f98bc2b8e96aad109ff5a2a469ff83372e45a113a3a65c0535',
    ],
    // Stop takes no matcher: Codex leaves one given out of the hash.
    [
      'Stop',
      'x',
      { command: 'gt agent report stop' },
      '21dfff9178060ced32e9c96bb050b86f380aa937869b5b1d166733eaafb1d409',
    ],
    [
      'SessionStart',
      'startup',
      { command: 'gt prime --hook', timeout: 30, statusMessage: 'priming' },
      '6732b4cbbe5e218ae975f02c3d1c634d6e98749e85be5c0da037f92d85c8331f',
    ],
    [
      'UserPromptSubmit',
      undefined,
      { command: 'gt agent report prompt', async: true },
      '11dabe7f802948ac30d8a00caf796e5dac54b811e275a71cbd2b25018b56dfb9',
    ],
  ])('%s %j %j', (event, matcher, handler, hash) => {
    const e = event as Parameters<typeof hookHash>[0];
    expect(hookHash(e, matcher, { type: 'command', ...handler })).toBe(`sha256:${hash}`);
  });
});

describe('Codex hooks', () => {
  it('are merged into $CODEX_HOME/hooks.json beside the user’s own; a second install changes nothing', () => {
    const home = join(tempDir('codex-hooks'), 'codex');
    mkdirSync(home);
    const file = join(home, 'hooks.json');
    const user = {
      hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] },
    };
    writeFileSync(file, JSON.stringify(user), { mode: 0o640 });
    installCodexHooks({ CODEX_HOME: home }, HOOK_COMMANDS);
    const first = readFileSync(file, 'utf8');
    installCodexHooks({ CODEX_HOME: home }, HOOK_COMMANDS);
    expect(readFileSync(file, 'utf8')).toBe(first);
    const written = readJson(file);
    expect(Object.keys(written.hooks as Json).sort()).toEqual([
      'SessionStart',
      'Stop',
      'UserPromptSubmit',
    ]);
    expect(commandsOf(written, 'Stop')).toEqual(['notify-send done', 'gt agent report stop']);
    expect(commandsOf(written, 'UserPromptSubmit')).toEqual([
      'gt agent report prompt --inject-mail',
    ]);
    expect(commandsOf(written, 'SessionStart')).toEqual(['gt prime --hook']);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('go to ~/.codex of the session’s HOME without CODEX_HOME; a broken file is left alone', () => {
    const home = tempDir('home');
    expect(codexHome({ HOME: home })).toBe(join(home, '.codex'));
    installCodexHooks({ HOME: home }, HOOK_COMMANDS);
    const file = join(home, '.codex', 'hooks.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '{ not json');
    expect(() => installCodexHooks({ HOME: home }, HOOK_COMMANDS)).toThrow(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
    expect(hookTrustOverride({ HOME: home })).toBeUndefined();
  });

  it('trust only gastown-ts’s handlers, at their places in the file, keyed by the resolved CODEX_HOME', () => {
    const dir = tempDir('codex-trust');
    const real = join(dir, 'real');
    mkdirSync(real);
    symlinkSync(real, join(dir, 'link'));
    const user = {
      hooks: { UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'my-audit' }] }] },
    };
    writeFileSync(join(real, 'hooks.json'), JSON.stringify(user));
    const env = { CODEX_HOME: join(dir, 'link') };
    installCodexHooks(env, HOOK_COMMANDS);
    const trust = ourHookTrust(join(real, 'hooks.json'), readJson(join(real, 'hooks.json')));
    expect(trust.map((t) => t.key.slice(real.length + 1))).toEqual([
      'hooks.json:session_start:0:0',
      'hooks.json:user_prompt_submit:1:0',
      'hooks.json:stop:0:0',
    ]);
    const override = hookTrustOverride(env) ?? '';
    expect(override).toMatch(/^hooks\.state=\{/);
    expect(override).toContain(`"${real}/hooks.json:stop:0:0"={trusted_hash="sha256:21dfff`);
    expect(override).not.toContain(':user_prompt_submit:0:0');
    expect(override).not.toContain('/link/');
  });

  it('keep ~/.codex unresolved, as Codex keys it when CODEX_HOME is not set', () => {
    const home = tempDir('home');
    mkdirSync(join(home, 'elsewhere'));
    symlinkSync(join(home, 'elsewhere'), join(home, '.codex'));
    installCodexHooks({ HOME: home }, HOOK_COMMANDS);
    expect(hookTrustOverride({ HOME: home })).toContain(`"${home}/.codex/hooks.json:`);
  });
});

/** The words /bin/sh makes of a command line, one per line. */
function words(command: string): string[] {
  return execFileSync('/bin/sh', ['-c', `set -- ${command}; printf '%s\\n' "$@"`], {
    encoding: 'utf8',
  })
    .trimEnd()
    .split('\n');
}

describe('Codex launch', () => {
  it('gives its tools the session’s PATH and trusts our hooks, quoted for /bin/sh', () => {
    const home = tempDir('codex-launch');
    installCodexHooks({ CODEX_HOME: home }, HOOK_COMMANDS);
    const path = `/opt/gt's bin:/usr/bin:/with "quotes"`;
    const line = codex.launch?.('codex --no-daemon', { PATH: path, CODEX_HOME: home }) ?? '';
    const argv = words(line);
    expect(argv.slice(0, 3)).toEqual(['codex', '--no-daemon', '-c']);
    expect(argv[3]).toBe(`shell_environment_policy.set.PATH=${JSON.stringify(path)}`);
    expect(argv[4]).toBe('-c');
    expect(argv[5]).toMatch(/^hooks\.state=\{"[^"]+:session_start:0:0"=\{trusted_hash="sha256:/);
    expect(argv).toHaveLength(6);
  });

  it('leaves the command as it is with nothing to add; no secret of the session reaches it', () => {
    const env = {
      CODEX_HOME: tempDir('empty'),
      OPENAI_API_KEY: 'sk-secret',
      GT_AGENT_TOKEN: 't0k',
    };
    expect(codex.launch?.('codex', env)).toBe('codex');
    const line = codex.launch?.('codex', { ...env, PATH: '/bin' }) ?? '';
    expect(line).not.toMatch(/sk-secret|t0k/);
  });
});
