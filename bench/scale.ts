// Scale: 10, 100 and 1,000 agents in real tmux sessions. Heartbeat duration and tmux
// calls per heartbeat, a killed agent found and restarted, the daemon at rest; and
// 1,000 lifecycle requests across 100 agents as fast as they come.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../src/daemon/daemon.js';
import { silentLogger } from '../src/daemon/logger.js';
import { TmuxHost } from '../src/sessions/tmux.js';
import type { SessionHost } from '../src/sessions/host.js';
import { setRequesting } from '../src/state/agent-state.js';
import { newRequestId } from '../src/protocol/request.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { loadSettings } from '../src/town/settings.js';
import type { BenchTown, Row } from './harness.js';
import { benchTown, stopChild, median, nowMs, percentile } from './harness.js';

const SECTION = 'scale';

function makeTown(gtBin: string, agents: number, heartbeat: string): BenchTown {
  return benchTown(gtBin, {
    label: 'scale',
    socket: `gt-bench-x-${process.pid}-${agents}`,
    agents,
    settings: {
      daemon: { heartbeat, keep_alive: ['*/crew/*'], restart: { backoff: '10ms' } },
      lifecycle: { require_verified_sender: false },
      agents: { crew: { command: 'exec sleep 3600', sync: false } },
    },
  });
}

/** A SessionHost that counts the tmux invocations made through it. */
function counted(host: SessionHost): { host: SessionHost; calls: () => number } {
  let calls = 0;
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls += 1;
      return fn(...args);
    };
  return {
    host: {
      socket: host.socket,
      list: wrap(() => host.list()),
      find: wrap((n: string) => host.find(n)),
      liveness: wrap((n: string) => host.liveness(n)),
      start: wrap((s: Parameters<SessionHost['start']>[0]) => host.start(s)),
      stop: wrap((n: string) => host.stop(n)),
      replace: wrap((s: Parameters<SessionHost['replace']>[0]) => host.replace(s)),
      capture: wrap((n: string, l: number) => host.capture(n, l)),
      refreshStatus: wrap((n: string) => host.refreshStatus(n)),
      screens: wrap((n: readonly string[]) => host.screens(n)),
      sendKeys: wrap((n: string, k: readonly string[]) => host.sendKeys(n, k)),
      paste: wrap((n: string, t: string, th: { keys: readonly string[]; delayMs: number }) =>
        host.paste(n, t, th),
      ),
    },
    calls: () => calls,
  };
}

async function heartbeatRows(gtBin: string, agents: number): Promise<Row[]> {
  const town = makeTown(gtBin, agents, '1h');
  const store = SqliteStore.open(join(town.root, '.gt', 'town.db'));
  try {
    const { settings } = loadSettings(town.root, { env: town.env });
    const tmux = new TmuxHost({ socket: town.socket, timeoutMs: 30_000 });
    const { host, calls } = counted(tmux);
    const daemon = new Daemon({
      root: town.root,
      settings,
      store,
      host,
      hostName: settings.daemon.host,
      log: silentLogger,
    });
    await daemon.start();
    await daemon.passNow(true); // starts every agent
    const running = (await tmux.list()).length;
    const samples: number[] = [];
    let perBeat = 0;
    for (let i = 0; i < 7; i++) {
      const before = calls();
      const t = nowMs();
      await daemon.passNow(true);
      samples.push(nowMs() - t);
      perBeat = calls() - before;
    }
    const floor: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = nowMs();
      execFileSync('tmux', [
        '-L',
        town.socket,
        'list-panes',
        '-a',
        '-F',
        '#{session_name} #{pane_pid} #{pane_dead}',
      ]);
      floor.push(nowMs() - t);
    }
    // kill one agent; the next heartbeat must find and restart it
    const victim = (await tmux.find('gt-alpha-crew-c0'))?.panePid ?? 0;
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 500 && (await tmux.find('gt-alpha-crew-c0'))?.paneDead !== true; i++)
      await new Promise((r) => setTimeout(r, 2));
    const t = nowMs();
    await daemon.passNow(true);
    const detect = nowMs() - t;
    const back = (await tmux.find('gt-alpha-crew-c0'))?.paneDead === false;
    const rows: Row[] = [
      {
        section: SECTION,
        name: `heartbeat, ${running} agents alive`,
        ours: median(samples),
        baseline: median(floor),
        baselineName: 'one bare tmux list-panes -a',
        unit: 'ms',
        target: agents >= 1000 ? '< 100 ms' : '',
        pass: agents >= 1000 ? median(samples) < 100 : null,
      },
      {
        section: SECTION,
        name: `tmux calls per heartbeat, ${running} agents`,
        ours: perBeat,
        baseline: running,
        baselineName: 'one per agent',
        unit: 'calls',
        target: '1',
        pass: perBeat === 1,
      },
      {
        section: SECTION,
        name: `heartbeat that restarts 1 killed agent of ${running}${back ? '' : ' (NOT restarted)'}`,
        ours: detect,
        baseline: median(samples),
        baselineName: 'quiet heartbeat',
        unit: 'ms',
        target: '',
        pass: back,
      },
    ];
    await daemon.stop();
    return rows;
  } finally {
    await store.close();
    town.done();
  }
}

function procStats(pid: number): { rssKb: number; ticks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return {
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

async function restRows(gtBin: string, agents: number): Promise<Row[]> {
  const town = makeTown(gtBin, agents, '5s');
  try {
    const daemon = spawn(process.execPath, [gtBin, 'daemon', 'run', '--quiet'], {
      env: town.env,
      stdio: 'ignore',
    });
    const tmux = new TmuxHost({ socket: town.socket, timeoutMs: 30_000 });
    const deadline = Date.now() + 120_000;
    while ((await tmux.list().catch(() => [])).length < agents && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 6000)); // past the start-up heartbeat
    const pid = daemon.pid ?? 0;
    const s0 = procStats(pid);
    const t0 = nowMs();
    await new Promise((r) => setTimeout(r, 20_000));
    const s1 = procStats(pid);
    const cpu = ((s1.ticks - s0.ticks) / 100 / ((nowMs() - t0) / 1000)) * 100;
    await stopChild(daemon);
    return [
      {
        section: SECTION,
        name: `daemon RSS at rest, ${agents} agents (5 s heartbeat)`,
        ours: s1.rssKb / 1024,
        baseline: null,
        baselineName: null,
        unit: 'MB',
        target: '< 150 MB',
        pass: s1.rssKb / 1024 < 150,
      },
      {
        section: SECTION,
        name: `daemon CPU at rest, ${agents} agents (5 s heartbeat)`,
        ours: cpu,
        baseline: null,
        baselineName: null,
        unit: '% core',
        target: '< 2%',
        pass: cpu < 2,
      },
    ];
  } finally {
    town.done();
  }
}

async function throughputRows(gtBin: string): Promise<Row[]> {
  const agents = 100;
  const rounds = 10;
  const town = makeTown(gtBin, agents, '1h');
  const store = SqliteStore.open(join(town.root, '.gt', 'town.db'));
  try {
    writeFileSync(
      join(town.root, 'settings', 'config.json'),
      JSON.stringify({
        daemon: { keep_alive: [] },
        lifecycle: { require_verified_sender: false },
        agents: { crew: { command: 'exec sleep 3600', sync: false } },
      }),
    );
    const daemon = spawn(process.execPath, [gtBin, 'daemon', 'run', '--quiet'], {
      env: town.env,
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 1000));
    const latencies: number[] = [];
    const t0 = nowMs();
    for (let round = 0; round < rounds; round++) {
      const ids: string[] = [];
      for (let i = 0; i < agents; i++) {
        const id = { role: 'crew', rig: 'alpha', name: `c${i}` } as const;
        const requestId = newRequestId();
        await setRequesting(town.root, id, 'cycle', requestId, new Date());
        const msg = await store.sendMessage({
          from: `alpha/crew/c${i}`,
          to: 'deacon',
          subject: `LIFECYCLE: alpha/crew/c${i} requesting cycle`,
          body: JSON.stringify({ action: 'cycle', request_id: requestId }),
          priority: 'high',
          type: 'lifecycle',
          senderVerified: false,
        });
        ids.push(msg.id);
      }
      spawnSync('sh', ['-c', `kill -USR1 ${daemon.pid ?? 0}`]);
      for (const id of ids) {
        for (;;) {
          const m = await store.getMessage(id);
          if (m && (m.status === 'done' || m.status === 'dead')) {
            latencies.push((m.closedAt ?? 0) - m.createdAt);
            break;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    const total = (nowMs() - t0) / 1000;
    await stopChild(daemon);
    return [
      {
        section: SECTION,
        name: `${agents * rounds} lifecycle requests across ${agents} agents`,
        ours: (agents * rounds) / total,
        baseline: null,
        baselineName: null,
        unit: 'req/s',
        target: '',
        pass: null,
      },
      {
        section: SECTION,
        name: 'request latency under that load (p99)',
        ours: percentile(latencies, 99),
        baseline: median(latencies),
        baselineName: 'p50',
        unit: 'ms',
        target: '',
        pass: null,
      },
    ];
  } finally {
    await store.close();
    town.done();
  }
}

export async function benchScale(gtBin: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [10, 100, 1000]) rows.push(...(await heartbeatRows(gtBin, n)));
  rows.push(...(await restRows(gtBin, 1000)));
  rows.push(...(await throughputRows(gtBin)));
  return rows;
}
