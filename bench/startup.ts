// Start-up of the commands agents and scripts run most, as whole processes, each beside
// `node -e 0` run alternately in the same loop.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './harness.js';
import { interleave, median, scratch, timeProcess, versusNode } from './harness.js';

const SECTION = 'startup';

export function benchStartup(gtBin: string): Promise<Row[]> {
  const { dir, done } = scratch('startup');
  try {
    const root = join(dir, 'town');
    const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: `gt-bench-u-${process.pid}` };
    execFileSync(process.execPath, [gtBin, 'install', root], { env });
    // No daemon runs and no agent session exists: each command does its own work only.
    writeFileSync(
      join(root, 'settings', 'config.json'),
      JSON.stringify({ lifecycle: { require_verified_sender: false } }),
    );
    const commands: Array<[string, string[]]> = [
      ['gt mail send', ['mail', 'send', 'mayor', '-s', 'bench', '-m', 'hello']],
      ['gt handoff', ['handoff', '--identity', 'mayor', '--no-daemon']],
      ['gt status', ['status']],
      ['gt nudge', ['nudge', 'mayor', 'bench', '--no-daemon']],
      ['gt prime', ['prime', '--identity', 'mayor']],
      ['gt --help', ['--help']],
    ];
    const row = (name: string, args: string[], runEnv: NodeJS.ProcessEnv): Row =>
      versusNode(
        SECTION,
        name,
        () => timeProcess(process.execPath, [gtBin, ...args], { env: runEnv }),
        { env: runEnv, target: 1.2 },
      ).row;
    const rows = commands.map(([name, args]) => row(name, args, env));
    // V8 refuses the build's code cache under other flags; gt then keeps one of its own
    // (in a scratch cache folder here). The warm-up run of interleave() makes it.
    const flagged = {
      ...env,
      NODE_OPTIONS: '--max-old-space-size=4096',
      XDG_CACHE_HOME: join(dir, 'cache'),
    };
    rows.push(
      row('gt mail send under NODE_OPTIONS=--max-old-space-size', commands[0]?.[1] ?? [], flagged),
    );
    rows.push(...promptHook(gtBin, { ...env, GT_ROLE: 'mayor' }));
    return Promise.resolve(rows);
  } finally {
    done();
  }
}

/**
 * The prompt hook: one process (gt agent report prompt --inject-mail) beside node -e 0, and
 * beside the two it replaced (gt mail check --inject, then gt agent report prompt).
 */
function promptHook(gtBin: string, env: NodeJS.ProcessEnv): Row[] {
  const run = (args: string[]) => () => timeProcess(process.execPath, [gtBin, ...args], { env });
  const one = run(['agent', 'report', 'prompt', '--inject-mail']);
  const mail = run(['mail', 'check', '--inject']);
  const report = run(['agent', 'report', 'prompt']);
  const { row, runs } = versusNode(SECTION, 'the prompt hook (report and mail)', one, { env });
  const two = interleave(20, () => mail() + report(), one);
  const [ours, base] = [median(two.b), median(two.a)];
  return [
    { ...row, target: '≤ 1.15x', pass: median(runs.a) <= 1.15 * median(runs.b) },
    {
      section: SECTION,
      name: 'the prompt hook: one process (median)',
      ours,
      baseline: base,
      baselineName: 'the two processes it was before',
      unit: 'ms',
      target: '≤ 0.6x',
      pass: ours <= 0.6 * base,
    },
  ];
}
