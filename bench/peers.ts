// Restart on request beside the tools users would otherwise pick: pm2 (npm) and
// supervisord (Debian), installed here if absent, each restarting the same stand-in
// program, timed from the restart command's start to the new process's first instruction.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './harness.js';
import { gtRunner, killTmux, median, percentile, scratch, stopChild } from './harness.js';

const SECTION = 'peers';
const RUNS = 20;

/** The stand-in: logs the wall clock (ms) of its start to `marks`, then idles. */
function standIn(marks: string): string {
  return `echo "$(date +%s%3N)" >> ${marks}; exec sleep 3600`;
}

function markCount(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map(Number);
}

async function waitMark(file: string, index: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = markCount(file)[index];
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: no start mark ${index} in ${file}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Runs `restart` n times; each sample is command start → the new process's mark. */
async function timeRestarts(marks: string, n: number, restart: () => void): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const seen = markCount(marks).length;
    const before = Date.now();
    restart();
    samples.push((await waitMark(marks, seen)) - before);
  }
  return samples;
}

function findPm2(dir: string): string | undefined {
  const local = join(dir, 'node_modules', '.bin', 'pm2');
  const install = spawnSync(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, 'pm2@6'],
    { stdio: 'ignore' },
  );
  return install.status === 0 && existsSync(local) ? local : undefined;
}

async function pm2Samples(dir: string): Promise<number[] | string> {
  const pm2 = findPm2(dir);
  if (pm2 === undefined) return 'pm2 could not be installed from the registry';
  const marks = join(dir, 'pm2-marks');
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2-home') };
  const script = join(dir, 'standin.sh');
  writeFileSync(script, `#!/bin/sh\n${standIn(marks)}\n`, { mode: 0o755 });
  try {
    execFileSync(pm2, ['start', script, '--name', 'standin', '--interpreter', 'none'], {
      env,
      stdio: 'ignore',
    });
    await waitMark(marks, 0);
    return await timeRestarts(marks, RUNS, () =>
      execFileSync(pm2, ['restart', 'standin'], { env, stdio: 'ignore' }),
    );
  } finally {
    spawnSync(pm2, ['kill'], { env, stdio: 'ignore' });
  }
}

function findSupervisor(): { supervisord: string; supervisorctl: string } | undefined {
  const have = (): boolean =>
    spawnSync('sh', ['-c', 'command -v supervisord && command -v supervisorctl'], {
      stdio: 'ignore',
    }).status === 0;
  if (!have() && process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', '-qq', 'supervisor'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  if (!have()) return undefined;
  return { supervisord: 'supervisord', supervisorctl: 'supervisorctl' };
}

async function supervisorSamples(dir: string): Promise<number[] | string> {
  const tools = findSupervisor();
  if (tools === undefined) return 'supervisor is not installed and could not be (apt-get)';
  const marks = join(dir, 'sv-marks');
  const conf = join(dir, 'supervisord.conf');
  mkdirSync(join(dir, 'sv'), { recursive: true });
  writeFileSync(
    conf,
    [
      '[unix_http_server]',
      `file=${join(dir, 'sv', 'sock')}`,
      '[supervisord]',
      `logfile=${join(dir, 'sv', 'log')}`,
      `pidfile=${join(dir, 'sv', 'pid')}`,
      `childlogdir=${join(dir, 'sv')}`,
      'nodaemon=true',
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${join(dir, 'sv', 'sock')}`,
      '[program:standin]',
      // supervisord expands %(name)s in its config, so a literal % is written %%
      `command=/bin/sh -c '${standIn(marks).replace(/%/g, '%%')}'`,
      'startsecs=0',
      'stopsignal=KILL',
      '',
    ].join('\n'),
  );
  const daemon = spawn(tools.supervisord, ['-c', conf], { stdio: 'ignore' });
  try {
    await waitMark(marks, 0);
    return await timeRestarts(marks, RUNS, () =>
      execFileSync(tools.supervisorctl, ['-c', conf, 'restart', 'standin'], { stdio: 'ignore' }),
    );
  } finally {
    await stopChild(daemon);
  }
}

async function gtSamples(
  gtBin: string,
  dir: string,
): Promise<{ restart: number[]; handoff: number[] }> {
  const root = join(dir, 'town');
  const socket = `gt-bench-p-${process.pid}`;
  const marks = join(dir, 'gt-marks');
  const env = { ...process.env, GT_TOWN_ROOT: root, GT_TMUX_SOCKET: socket };
  const gt = gtRunner(gtBin, env);
  gt(['install', root]);
  writeFileSync(
    join(root, 'settings', 'config.json'),
    JSON.stringify({
      daemon: { keep_alive: [] },
      agents: { mayor: { command: standIn(marks) } },
    }),
  );
  const daemon = spawn(process.execPath, [gtBin, 'daemon', 'run', '--quiet'], {
    env,
    stdio: 'ignore',
  });
  try {
    gt(['session', 'start', 'mayor']);
    await waitMark(marks, 0);
    const restart = await timeRestarts(marks, RUNS, () => gt(['session', 'restart', 'mayor']));
    const token = (): string =>
      execFileSync('tmux', ['-L', socket, 'show-environment', '-t', 'gt-mayor', 'GT_AGENT_TOKEN'], {
        encoding: 'utf8',
      })
        .trim()
        .split('=')[1] ?? '';
    const handoff: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const tok = token();
      const seen = markCount(marks).length;
      const before = Date.now();
      gt(['handoff'], { GT_ROLE: 'mayor', GT_AGENT_TOKEN: tok });
      handoff.push((await waitMark(marks, seen)) - before);
    }
    return { restart, handoff };
  } finally {
    await stopChild(daemon);
    killTmux(socket);
  }
}

function peerRow(name: string, ours: number[], peer: number[] | string, peerName: string): Row {
  if (typeof peer === 'string') {
    return {
      section: SECTION,
      name: `${name} (${peerName}: ${peer})`,
      ours: median(ours),
      baseline: null,
      baselineName: null,
      unit: 'ms',
      target: '≤ peer',
      pass: null,
    };
  }
  return {
    section: SECTION,
    name,
    ours: median(ours),
    baseline: median(peer),
    baselineName: peerName,
    unit: 'ms',
    target: '≤ 1x',
    pass: median(ours) <= median(peer),
  };
}

export async function benchPeers(gtBin: string): Promise<Row[]> {
  const { dir, done } = scratch('peers');
  try {
    console.error('bench: peers: gt');
    const ours = await gtSamples(gtBin, dir);
    console.error('bench: peers: pm2 (installing it if absent)');
    const pm2 = await pm2Samples(dir);
    console.error('bench: peers: supervisord (installing it if absent)');
    const sv = await supervisorSamples(dir);
    return [
      peerRow(
        'restart on request: gt session restart vs pm2 restart',
        ours.restart,
        pm2,
        'pm2 restart',
      ),
      peerRow(
        'restart on request: gt session restart vs supervisorctl restart',
        ours.restart,
        sv,
        'supervisorctl restart',
      ),
      peerRow(
        'restart on request: gt handoff → new agent vs pm2 restart',
        ours.handoff,
        pm2,
        'pm2 restart',
      ),
      peerRow(
        'restart on request: gt handoff → new agent vs supervisorctl',
        ours.handoff,
        sv,
        'supervisorctl restart',
      ),
      {
        section: SECTION,
        name: 'gt handoff → new agent (p99)',
        ours: percentile(ours.handoff, 99),
        baseline: percentile(ours.restart, 99),
        baselineName: 'gt session restart p99',
        unit: 'ms',
        target: '< 400 ms',
        pass: percentile(ours.handoff, 99) < 400,
      },
    ];
  } finally {
    done();
  }
}
