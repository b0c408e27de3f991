// The demo agent's loop, driven by a hand-cranked clock: start line, heartbeats,
// the handoff at the chosen time, carrying on after a failed handoff, and goodbye.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DemoDeps, HandoffOutcome } from '../../src/agents/demo-agent.js';
import { demoName, spawnHandoff, startDemoAgent } from '../../src/agents/demo-agent.js';
import { tempDir } from '../helpers/temp.js';

interface Task {
  at: number;
  fn: () => void;
  live: boolean;
}

/** Timers that only move when the test says so. */
function fakeTime(): {
  deps: Omit<DemoDeps, 'handoff'>;
  lines: string[];
  advance(ms: number): void;
  pending(): number;
} {
  let now = 0;
  const tasks: Task[] = [];
  const lines: string[] = [];
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      const next = tasks.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      now = next.at;
      next.live = false;
      next.fn();
    }
    now = until;
  };
  return {
    lines,
    advance,
    pending: () => tasks.filter((t) => t.live).length,
    deps: {
      schedule(fn, ms) {
        const task = { at: now + ms, fn, live: true };
        tasks.push(task);
        return () => (task.live = false);
      },
      now: () => new Date(Date.UTC(2025, 0, 1) + now),
      print: (line) => lines.push(line),
    },
  };
}

const ENV = { GT_ROLE: 'alpha-crew-max', GT_AGENT_TOKEN: 'tok-s3cret-value' };

/** Lets promise callbacks (the handoff's outcome) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('startDemoAgent', () => {
  it('says who it is without printing the token, then beats every interval', () => {
    const time = fakeTime();
    const agent = startDemoAgent(
      { intervalMs: 5_000, env: ENV, pid: 4242 },
      { ...time.deps, handoff: () => Promise.reject(new Error('not called')) },
    );
    expect(time.lines).toEqual([
      'demo agent alpha/crew/max: started (pid 4242, GT_AGENT_TOKEN set)',
    ]);
    time.advance(4_999);
    expect(time.lines).toHaveLength(1);
    time.advance(1);
    time.advance(10_000);
    expect(time.lines.slice(1)).toEqual([
      'demo agent alpha/crew/max: heartbeat 1 at 2025-01-01T00:00:05.000Z',
      'demo agent alpha/crew/max: heartbeat 2 at 2025-01-01T00:00:10.000Z',
      'demo agent alpha/crew/max: heartbeat 3 at 2025-01-01T00:00:15.000Z',
    ]);
    expect(time.lines.join('\n')).not.toContain(ENV.GT_AGENT_TOKEN);
    agent.stop('got SIGTERM');
  });

  it('says so when there is no token or no role', () => {
    const time = fakeTime();
    startDemoAgent(
      { intervalMs: 1_000, env: {}, pid: 1 },
      { ...time.deps, handoff: () => Promise.reject(new Error('no')) },
    ).stop('done');
    expect(time.lines[0]).toBe('demo agent (no GT_ROLE): started (pid 1, GT_AGENT_TOKEN not set)');
  });

  it('hands off once after the chosen time and keeps beating', async () => {
    const time = fakeTime();
    const calls: AbortSignal[] = [];
    const agent = startDemoAgent(
      { intervalMs: 1_000, handoffAfterMs: 2_500, env: ENV, pid: 7 },
      {
        ...time.deps,
        handoff: (signal) => (
          calls.push(signal),
          Promise.resolve({ ok: true, detail: 'exited 0' })
        ),
      },
    );
    time.advance(2_499);
    expect(calls).toHaveLength(0);
    time.advance(1);
    expect(calls).toHaveLength(1);
    await settle();
    time.advance(10_000);
    expect(calls).toHaveLength(1);
    const text = time.lines.join('\n');
    expect(text).toContain('running gt handoff --cycle -m demo handoff');
    expect(text).toContain('gt handoff done');
    expect(time.lines.at(-1)).toMatch(/heartbeat 12 /);
    agent.stop('got SIGINT');
  });

  it('prints a failed handoff and carries on', async () => {
    const time = fakeTime();
    const agent = startDemoAgent(
      { intervalMs: 1_000, handoffAfterMs: 0, env: ENV, pid: 7 },
      { ...time.deps, handoff: () => Promise.resolve({ ok: false, detail: 'exited 1' }) },
    );
    time.advance(0);
    await settle();
    expect(time.lines.at(-1)).toBe(
      'demo agent alpha/crew/max: gt handoff failed (exited 1); carrying on',
    );
    time.advance(2_000);
    expect(time.lines.at(-1)).toMatch(/heartbeat 2 /);
    agent.stop('got SIGTERM');
  });

  it('stops on request: goodbye once, no timers left, the handoff let go, stopped settles', async () => {
    const time = fakeTime();
    let signal: AbortSignal | undefined;
    let finishHandoff: (o: HandoffOutcome) => void = () => undefined;
    const agent = startDemoAgent(
      { intervalMs: 1_000, handoffAfterMs: 500, env: ENV, pid: 7 },
      {
        ...time.deps,
        handoff: (s) => {
          signal = s;
          return new Promise((resolve) => (finishHandoff = resolve));
        },
      },
    );
    time.advance(600);
    expect(signal?.aborted).toBe(false);
    agent.stop('got SIGTERM');
    agent.stop('got SIGTERM');
    expect(signal?.aborted).toBe(true);
    expect(time.pending()).toBe(0);
    await agent.stopped;
    finishHandoff({ ok: true, detail: 'exited 0' });
    await settle();
    time.advance(10_000);
    expect(time.lines.at(-1)).toBe('demo agent alpha/crew/max: got SIGTERM, goodbye');
    expect(time.lines.filter((l) => l.includes('goodbye'))).toHaveLength(1);
  });
});

describe('demoName', () => {
  it.each([
    [{ GT_ROLE: 'alpha/crew/max' }, 'alpha/crew/max'],
    [{ GT_ROLE: 'alpha-witness' }, 'alpha/witness'],
    [{ GT_ROLE: 'deacon/' }, 'deacon'],
    [{ GT_ROLE: '' }, '(no GT_ROLE)'],
    [{ GT_ROLE: '../etc\u001b[31m' }, '(bad GT_ROLE "../etc\\u001b[31m")'],
  ])('%j → %s', (env, name) => {
    expect(demoName(env)).toBe(name);
  });
});

describe('spawnHandoff', () => {
  /** A stand-in `gt` script that records its arguments and exits with GT_FAKE_EXIT. */
  function fakeGt(): { script: string; argsFile: string } {
    const dir = tempDir('fake-gt');
    const script = join(dir, 'gt.cjs');
    const argsFile = join(dir, 'args.json');
    writeFileSync(
      script,
      `require('fs').writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(process.argv.slice(2)));
       process.exit(Number(process.env.GT_FAKE_EXIT));`,
    );
    chmodSync(script, 0o755);
    return { script, argsFile };
  }

  it('runs the same gt with the global flags and handoff --cycle', async () => {
    const { script, argsFile } = fakeGt();
    const gt = { execPath: process.execPath, script, globalArgs: ['--town', '/some/town'] };
    const outcome = await spawnHandoff(
      gt,
      { ...process.env, GT_FAKE_EXIT: '0' },
      new AbortController().signal,
    );
    expect(outcome).toEqual({ ok: true, detail: 'exited 0' });
    expect(JSON.parse(readFileSync(argsFile, 'utf8'))).toEqual([
      '--town',
      '/some/town',
      'handoff',
      '--cycle',
      '-m',
      'demo handoff',
    ]);
  });

  it('reports a failing handoff', async () => {
    const { script } = fakeGt();
    const gt = { execPath: process.execPath, script, globalArgs: [] };
    expect(
      await spawnHandoff(gt, { ...process.env, GT_FAKE_EXIT: '3' }, new AbortController().signal),
    ).toEqual({ ok: false, detail: 'exited 3' });
  });

  it('reports when it cannot tell which gt to run', async () => {
    const gt = { execPath: process.execPath, script: undefined, globalArgs: [] };
    expect((await spawnHandoff(gt, process.env, new AbortController().signal)).ok).toBe(false);
  });
});
