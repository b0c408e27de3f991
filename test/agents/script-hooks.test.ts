// The hooks gastown-ts writes as code for Pi (an extension) and OpenCode (a plugin): where they
// go, that nothing of the user's is clobbered, and what they do when the CLI calls them, run
// here against a stand-in `gt` on PATH that records each call and its standard input.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOOK_COMMANDS } from '../../src/agents/agent.js';
import { installOpenCodeHooks, OPENCODE_PLUGIN } from '../../src/agents/runtime/opencode-hooks.js';
import { installPiHooks, PI_EXTENSION } from '../../src/agents/runtime/pi-hooks.js';
import { hookArgv } from '../../src/agents/runtime/script-hooks.js';
import { tempDir, waitFor } from '../helpers/temp.js';

type Handler = (...args: unknown[]) => unknown;
type Json = Record<string, unknown>;

interface Call {
  argv: string[];
  input: Json;
}

/** A `gt` that records its argv and stdin, and prints context for prime and mail check. */
function fakeGt(dir: string): string {
  const log = join(dir, 'calls.jsonl');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const script = `#!/usr/bin/env node
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  require('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), input: JSON.parse(input) }) + '\\n');
  if (process.argv[2] === 'prime') process.stdout.write('PRIMED: the handoff note\\n');
  if (process.argv.includes('--inject-mail')) process.stdout.write('MAIL: 1 unread\\n');
});
`;
  writeFileSync(join(bin, 'gt'), script);
  chmodSync(join(bin, 'gt'), 0o755);
  return bin;
}

const calls = (dir: string): Call[] => {
  const file = join(dir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Call);
};

/** Imports a written script as the CLI would load it (an ES module). */
async function load(workDir: string, file: string): Promise<Json> {
  const copy = join(workDir, `${file.replaceAll('/', '_')}.mjs`);
  writeFileSync(copy, readFileSync(join(workDir, file)));
  return (await import(pathToFileURL(copy).href)) as Json;
}

const saved = { ...process.env };
let dir = '';

beforeEach(() => {
  dir = tempDir('script-hooks');
  process.env.PATH = `${fakeGt(dir)}:${saved.PATH ?? ''}`;
  process.env.GT_ROLE = 'alpha/crew/max';
  process.env.GT_AGENT_TOKEN = 'token';
});

afterEach(() => {
  process.env = { ...saved };
});

const HOSTILE = `fix "it" $(touch pwned) \`id\`; echo done`;

describe('hookArgv', () => {
  it('splits the fixed gt commands into words, nothing else', () => {
    expect(hookArgv(HOOK_COMMANDS)).toEqual({
      sessionStart: [['gt', 'prime', '--hook']],
      promptSubmit: [['gt', 'agent', 'report', 'prompt', '--inject-mail']],
      turnEnd: [['gt', 'agent', 'report', 'stop']],
    });
  });
});

describe('Pi’s extension', () => {
  it('goes in .pi/extensions beside the user’s own, out of git; a file of that name not ours is left alone', () => {
    const work = join(dir, 'work');
    mkdirSync(join(work, '.git', 'info'), { recursive: true });
    mkdirSync(join(work, '.pi', 'extensions'), { recursive: true });
    writeFileSync(join(work, '.pi', 'extensions', 'mine.ts'), 'export default () => {}');
    installPiHooks(work, HOOK_COMMANDS);
    installPiHooks(work, HOOK_COMMANDS);
    expect(readFileSync(join(work, PI_EXTENSION), 'utf8')).toMatch(/^\/\/ gastown-ts:/);
    expect(statSync(join(work, PI_EXTENSION)).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(work, '.pi', 'extensions', 'mine.ts'), 'utf8')).toContain('export');
    const exclude = readFileSync(join(work, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === `/${PI_EXTENSION}`)).toHaveLength(1);
    writeFileSync(join(work, PI_EXTENSION), '// my own\n');
    expect(() => installPiHooks(work, HOOK_COMMANDS)).toThrow(
      expect.objectContaining({ code: 'GT_HOOKS_NOT_INSTALLED' }) as Error,
    );
    expect(readFileSync(join(work, PI_EXTENSION), 'utf8')).toBe('// my own\n');
  });

  it('reports the prompt as JSON on stdin, gives the model gt’s context in the system prompt, reports the turn’s end', async () => {
    const work = join(dir, 'work');
    installPiHooks(work, HOOK_COMMANDS);
    const on = new Map<string, Handler>();
    const extension = (await load(work, PI_EXTENSION)).default as (pi: unknown) => void;
    extension({ on: (event: string, fn: Handler) => on.set(event, fn) });
    const ctx = {
      cwd: work,
      sessionManager: { getSessionId: () => 's1', getSessionFile: () => '/f' },
    };
    await on.get('session_start')?.({ reason: 'startup' }, ctx);
    expect(await on.get('input')?.({ text: HOSTILE, source: 'interactive' }, ctx)).toEqual({
      action: 'continue',
    });
    const prompt = calls(dir).find((c) => c.argv.join(' ') === 'agent report prompt --inject-mail');
    expect(prompt?.input).toMatchObject({ prompt: HOSTILE, session_id: 's1', cwd: work });
    expect(existsSync(join(work, 'pwned'))).toBe(false);
    const first = (await on.get('before_agent_start')?.({ systemPrompt: 'BASE' })) as Json;
    expect(first.systemPrompt).toBe('BASE\n\nPRIMED: the handoff note\n\nMAIL: 1 unread');
    // The mail's word is for the prompt it came with; gt prime's stays.
    const next = (await on.get('before_agent_start')?.({ systemPrompt: 'BASE' })) as Json;
    expect(next.systemPrompt).toBe('BASE\n\nPRIMED: the handoff note');
    await on.get('agent_end')?.({}, ctx);
    await waitFor('the stop report', () => calls(dir).some((c) => c.argv.includes('stop')));
    expect(
      calls(dir)
        .map((c) => c.argv.join(' '))
        .sort(),
    ).toEqual(['agent report prompt --inject-mail', 'agent report stop', 'prime --hook']);
  });

  it('does nothing in a session gastown-ts did not start', async () => {
    delete process.env.GT_AGENT_TOKEN;
    const work = join(dir, 'work');
    installPiHooks(work, HOOK_COMMANDS);
    const on = new Map<string, Handler>();
    const extension = (await load(work, PI_EXTENSION)).default as (pi: unknown) => void;
    extension({ on: (event: string, fn: Handler) => on.set(event, fn) });
    expect(on.size).toBe(0);
  });
});

describe('OpenCode’s plugin', () => {
  it('goes in .opencode/plugin; an empty node_modules and a lock, only where none are, keep npm away', () => {
    const work = join(dir, 'work');
    mkdirSync(join(work, '.git', 'info'), { recursive: true });
    installOpenCodeHooks(work, HOOK_COMMANDS, '1.18.33');
    expect(readFileSync(join(work, OPENCODE_PLUGIN), 'utf8')).toMatch(/^\/\/ gastown-ts:/);
    const lock = JSON.parse(readFileSync(join(work, '.opencode', 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies: Json }>;
    };
    expect(lock.packages['']?.dependencies).toEqual({ '@opencode-ai/plugin': '1.18.33' });
    expect(existsSync(join(work, '.opencode', 'node_modules'))).toBe(true);
    writeFileSync(join(work, '.opencode', 'package-lock.json'), '{"theirs":true}');
    installOpenCodeHooks(work, HOOK_COMMANDS, '1.18.33');
    expect(readFileSync(join(work, '.opencode', 'package-lock.json'), 'utf8')).toBe(
      '{"theirs":true}',
    );
    const exclude = readFileSync(join(work, '.git', 'info', 'exclude'), 'utf8').split('\n');
    expect(exclude).toEqual(
      expect.arrayContaining([
        `/${OPENCODE_PLUGIN}`,
        '/.opencode/node_modules',
        '/.opencode/package-lock.json',
      ]),
    );
  });

  it('reports prompts of the agent’s own sessions, adds gt’s context to the system prompt, reports idle', async () => {
    const work = join(dir, 'work');
    installOpenCodeHooks(work, HOOK_COMMANDS, '1.18.33');
    const plugin = (await load(work, OPENCODE_PLUGIN)).GastownTs as () => Promise<
      Record<string, Handler>
    >;
    const hooks = await plugin();
    const parts = [
      { type: 'text', text: HOSTILE },
      { type: 'text', text: 'added by OpenCode', synthetic: true },
    ];
    await hooks['chat.message']?.({ sessionID: 'ses_1' }, { parts });
    const prompt = calls(dir).find((c) => c.argv.join(' ') === 'agent report prompt --inject-mail');
    expect(prompt?.input).toMatchObject({ prompt: HOSTILE, session_id: 'ses_1' });
    const output = { system: ['BASE'] };
    await hooks['experimental.chat.system.transform']?.({ sessionID: 'ses_1' }, output);
    expect(output.system).toEqual(['BASE', 'PRIMED: the handoff note\n\nMAIL: 1 unread']);
    // A sub-agent's session is the agent's own turn: it reports nothing.
    const child = {
      type: 'session.created',
      properties: { info: { id: 'ses_2', parentID: 'ses_1' } },
    };
    await hooks.event?.({ event: child });
    await hooks.event?.({ event: { type: 'session.idle', properties: { sessionID: 'ses_2' } } });
    await hooks.event?.({ event: { type: 'session.idle', properties: { sessionID: 'ses_1' } } });
    await waitFor('the stop report', () => calls(dir).some((c) => c.argv.includes('stop')));
    const stops = calls(dir).filter((c) => c.argv.includes('stop'));
    expect(stops.map((c) => c.input.session_id)).toEqual(['ses_1']);
  });
});
