// `gt agent demo` as a process: until main.ts wires it in, a small entry with the same
// command tree is bundled here, started, sent SIGTERM, and must say goodbye and exit 0.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { GtCommand } from '../../src/cli/program.js';
import { describe, expect, it } from 'vitest';
import { parseSeconds, registerAgent } from '../../src/cli/agent.js';
import { InputError } from '../../src/errors.js';
import { onCleanup, tempDir, waitFor } from '../helpers/temp.js';

const AGENT_CLI = resolve(import.meta.dirname, '../../src/cli/agent.ts');
const PROGRAM = resolve(import.meta.dirname, '../../src/cli/program.ts');

async function bundleEntry(): Promise<string> {
  const outfile = join(tempDir('agent-cli'), 'gt-agent.cjs');
  await build({
    stdin: {
      contents: `
        import { GtCommand } from ${JSON.stringify(PROGRAM)};
        import { registerAgent } from ${JSON.stringify(AGENT_CLI)};
        const program = new GtCommand('gt').option('--town <dir>');
        registerAgent(program);
        program.parseAsync(process.argv).catch((err) => { console.error('gt: ' + err.message); process.exitCode = 1; });`,
      resolveDir: import.meta.dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function start(
  entry: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcessWithoutNullStreams; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, out: () => out, exited };
}

describe('gt agent demo', () => {
  it('beats, hands off by running gt handoff, carries on when that fails, and exits 0 on SIGTERM', async () => {
    const entry = await bundleEntry();
    const env = { GT_ROLE: 'alpha/crew/max', GT_AGENT_TOKEN: 'tok-never-printed' };
    const demo = start(
      entry,
      ['agent', 'demo', '--interval', '0.05', '--handoff-after', '0.1'],
      env,
    );
    // This entry has no `handoff` command, so the spawned `gt handoff` fails: the agent must go on.
    await waitFor('a heartbeat after the failed handoff', () =>
      /handoff failed \(exited \d+\); carrying on[\s\S]*heartbeat/.test(demo.out()),
    );
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    const out = demo.out();
    expect(out).toMatch(
      new RegExp(
        `^demo agent alpha/crew/max: started \\(pid ${demo.child.pid}, GT_AGENT_TOKEN set\\)`,
      ),
    );
    expect(out).toContain('running gt handoff --cycle -m demo handoff');
    expect(out).toMatch(/got SIGTERM, goodbye\n$/);
    expect(out).not.toContain('tok-never-printed');
  });

  it('exits 0 on SIGINT too', async () => {
    const entry = await bundleEntry();
    const demo = start(entry, ['agent', 'demo', '--interval', '0.05'], {});
    await waitFor('a heartbeat', () => demo.out().includes('heartbeat 1 '));
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.out()).toMatch(/demo agent \(no GT_ROLE\): got SIGINT, goodbye\n$/);
  });
});

describe('flags', () => {
  it.each([
    ['5', 0.01, 5_000],
    ['0.05', 0.01, 50],
    ['0', 0, 0],
  ])('parseSeconds(%j) → %i ms', (text, min, ms) => {
    expect(parseSeconds('--interval', text, min)).toBe(ms);
  });

  it.each(['abc', '-1', '0', '1e3', '', '999999999'])(
    '--interval %j is bad input (exit 2)',
    async (value) => {
      const program = new GtCommand('gt')
        .exitOverride()
        .configureOutput({ writeErr: () => undefined });
      registerAgent(program);
      const run = program.parseAsync(['node', 'gt', 'agent', 'demo', '--interval', value]);
      await expect(run).rejects.toBeInstanceOf(InputError);
      await expect(run).rejects.toMatchObject({ code: 'GT_BAD_FLAG', exitCode: 2 });
    },
  );
});
