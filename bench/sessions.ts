// Sessions: `gt session restart` as a whole process against a bare shell restart of the
// same session plus `node -e 0`; listing 200 live sessions in one tmux call.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TmuxHost } from '../src/sessions/tmux.js';
import type { Row } from './harness.js';
import { killTmux } from './harness.js';
import { median, nowMs, percentile, scratch, timeProcess } from './harness.js';

const SECTION = 'sessions';

/** Milliseconds of each way of restarting, run alternately: gt, the bare shell, `node -e 0`. */
interface RestartRuns {
  ours: number[];
  shell: number[];
  node: number[];
}

function restartRuns(restart: () => number, bare: string): RestartRuns {
  const runs: RestartRuns = { ours: [], shell: [], node: [] };
  for (let i = 0; i < 25; i++) {
    runs.ours.push(restart());
    runs.shell.push(timeProcess('sh', ['-c', bare]));
    runs.node.push(timeProcess(process.execPath, ['-e', '0']));
  }
  return runs;
}

function restartRow(name: string, runs: RestartRuns): Row {
  const budget = median(runs.node) + 1.5 * median(runs.shell);
  return {
    section: SECTION,
    name,
    ours: median(runs.ours),
    baseline: median(runs.shell),
    baselineName: 'bare sh kill+new-session',
    unit: 'ms',
    target: `≤ node + 1.5x bare = ${budget.toFixed(0)} ms`,
    pass: median(runs.ours) <= budget,
  };
}

function restartRows(gtBin: string): Row[] {
  const { dir, done } = scratch('sessions');
  const socket = `gt-bench-s-${process.pid}`;
  try {
    const root = join(dir, 'town');
    const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
    const gt = (args: string[]): Buffer =>
      execFileSync(process.execPath, [gtBin, ...args], { env });
    gt(['install', root]);
    // The daemon restarts nothing by itself here; the one gt session start brings up is
    // stopped for the runs with no daemon, and started again for those it answers.
    writeFileSync(
      join(root, 'settings', 'config.json'),
      JSON.stringify({ daemon: { keep_alive: [] } }),
    );
    gt(['session', 'start', 'mayor']);
    gt(['daemon', 'stop']);
    // A second session keeps the server up while the bare restart kills and recreates its own.
    const bareDir = join(dir, 'bare');
    mkdirSync(bareDir);
    const bare = `tmux -L ${socket} kill-session -t gt-bare 2>/dev/null; tmux -L ${socket} new-session -d -s gt-bare -c ${bareDir} 'exec sleep 3600'`;
    execFileSync('sh', ['-c', bare]);
    const restart = ['session', 'restart', 'mayor'];
    const alone = restartRuns(
      () => timeProcess(process.execPath, [gtBin, ...restart], { env }),
      bare,
    );
    // With the town's daemon running, which carries out the restart for the launcher and for
    // the native gt an agent's session runs.
    gt(['daemon', 'start']);
    const native = join(dirname(gtBin), 'native', 'gt');
    try {
      const launched = restartRuns(
        () => timeProcess(process.execPath, [gtBin, ...restart], { env }),
        bare,
      );
      const rows = [
        restartRow('gt session restart, whole process, no daemon (median)', alone),
        {
          section: SECTION,
          name: 'gt session restart, no daemon (p90)',
          ours: percentile(alone.ours, 90),
          baseline: median(alone.node),
          baselineName: 'node -e 0',
          unit: 'ms',
          target: '',
          pass: null,
        },
        restartRow(
          'gt session restart by the Node launcher, answered by the daemon (median)',
          launched,
        ),
        // What a person's shell runs: npm's link to dist/gt (the native gt where it runs).
        restartRow(
          'gt session restart as installed (dist/gt), answered by the daemon (median)',
          restartRuns(() => timeProcess(join(dirname(gtBin), 'gt'), restart, { env }), bare),
        ),
      ];
      if (existsSync(native))
        rows.push(
          restartRow(
            'gt session restart by the native gt, answered by the daemon (median)',
            restartRuns(() => timeProcess(native, restart, { env }), bare),
          ),
        );
      return rows;
    } finally {
      gt(['daemon', 'stop']);
    }
  } finally {
    killTmux(socket);
    done();
  }
}

async function listRows(): Promise<Row[]> {
  const socket = `gt-bench-l-${process.pid}`;
  try {
    const args = ['-L', socket, '-f', '/dev/null'];
    execFileSync('tmux', [...args, 'new-session', '-d', '-s', 'gt-s0', 'exec sleep 3600']);
    for (let i = 1; i < 200; i += 50) {
      // 50 sessions per tmux invocation keeps set-up quick
      const cmds: string[] = [];
      for (let j = i; j < Math.min(i + 50, 200); j++)
        cmds.push('new-session', '-d', '-s', `gt-s${j}`, 'exec sleep 3600', ';');
      execFileSync('tmux', [...args, ...cmds.slice(0, -1)]);
    }
    const host = new TmuxHost({ socket });
    const count = (await host.list()).length;
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t = nowMs();
      await host.list();
      ours.push(nowMs() - t);
      t = nowMs();
      execFileSync('tmux', ['-L', socket, 'list-sessions']);
      bare.push(nowMs() - t);
    }
    return [
      {
        section: SECTION,
        name: `session list, ${count} live sessions (one tmux call)`,
        ours: median(ours),
        baseline: median(bare),
        baselineName: 'bare tmux list-sessions',
        unit: 'ms',
        target: '< 30 ms',
        pass: median(ours) < 30,
      },
    ];
  } finally {
    killTmux(socket);
  }
}

export async function benchSessions(gtBin: string): Promise<Row[]> {
  return [...restartRows(gtBin), ...(await listRows())];
}
