// A runtime defined only in settings (runtimes.<name>), driving a small CLI gastown-ts has no
// profile for: its dialog answered with the option the settings name (No is preselected: a blind
// Enter would exit), ready read from its patterns, a nudge typed and seen taken exactly once;
// a definition with a bad pattern refused with its key.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/temp.js';
import { events, makeTown } from '../helpers/town.js';

const MAX = 'alpha/crew/max';
const TOY = join(import.meta.dirname, '../fixtures/toy-cli.mjs');

function toyRuntime(log: string): Record<string, unknown> {
  return {
    command: `${JSON.stringify(process.execPath)} ${JSON.stringify(TOY)} ${JSON.stringify(log)}`,
    screen: { input: '^>(?: (.*))?$', busy: ['^working…$'], ready: ['^toy ready$'] },
    dialogs: [{ id: 'trust', match: ['Trust this folder\\?'], choose: '^Yes, trust$' }],
    submit: { keys: ['Enter'], delay: '50ms' },
    failures: [{ kind: 'auth', match: 'toy: bad key' }],
  };
}

describe('a runtime defined in settings', () => {
  it('passes its dialog, reads ready, and takes a nudge exactly once', async () => {
    const town = await makeTown();
    const log = join(town.root, 'received.log');
    const file = join(town.root, 'settings', 'config.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    const agents = { ...settings.agents, crew: { runtime: 'toy', sync: false } };
    writeFileSync(
      file,
      JSON.stringify({ ...settings, agents, runtimes: { toy: toyRuntime(log) } }),
    );
    const started = await town.gt([
      'session',
      'start',
      MAX,
      '--wait',
      '--timeout',
      '30s',
      '--json',
    ]);
    expect(started.code, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ activity: 'ready' });
    const answered = (await events(town)).filter((e) => e.kind === 'agent.dialog-answered');
    expect(answered.map((e) => e.reason)).toEqual(['trust']);
    const marker = `toy-marker-${Date.now()}`;
    const sent = await town.gt([
      'nudge',
      MAX,
      `please ${marker}`,
      '--wait',
      '--timeout',
      '30s',
      '--json',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'delivered', ack: 'screen' });
    await waitFor('the turn to end', async () => {
      const s = JSON.parse(await town.gtOk(['status', '--json'])) as {
        agents: Array<{ address: string; activity: string }>;
      };
      return s.agents.find((a) => a.address === MAX)?.activity === 'ready';
    });
    const got = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes(marker));
    expect(got).toEqual([`please ${marker}`]);
  }, 60_000);

  it('refuses a definition with a bad pattern, or one taking a built-in’s name, naming the key', async () => {
    const town = await makeTown();
    const file = join(town.root, 'settings', 'config.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      file,
      JSON.stringify({ ...settings, runtimes: { toy: { command: 'x', screen: { input: '(' } } } }),
    );
    const bad = await town.gt(['status']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/runtimes\.toy\.screen\.input.*a regular expression/);
    writeFileSync(file, JSON.stringify({ ...settings, runtimes: { codex: { command: 'x' } } }));
    const shadow = await town.gt(['status']);
    expect(shadow.code).toBe(2);
    expect(shadow.stderr).toMatch(/runtimes\.codex: "codex" is a built-in runtime/);
  });
});
