// A stand-in agent for demos and tests: says who it is, beats a heartbeat, and can ask
// for its own cycle with `gt handoff`, as a real agent does when its context fills up.
// Time, output and the handoff are passed in, so tests drive it without waiting.
import { spawn } from 'node:child_process';
import { canonicalAddress } from '../town/identity.js';

export const DEFAULT_DEMO_INTERVAL_MS = 5_000;
export const HANDOFF_ARGS = ['handoff', '--cycle', '-m', 'demo handoff'] as const;

export interface HandoffOutcome {
  ok: boolean;
  detail: string;
}

export interface DemoDeps {
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
  now(): Date;
  print(line: string): void;
  /** Runs `gt handoff`; `signal` aborts when the agent stops, so the agent need not wait for it. */
  handoff(signal: AbortSignal): Promise<HandoffOutcome>;
}

export interface DemoOptions {
  intervalMs: number;
  handoffAfterMs?: number | undefined;
  env: NodeJS.ProcessEnv;
  pid: number;
}

export interface DemoAgent {
  /** Prints the goodbye line (once) and stops every timer. */
  stop(why: string): void;
  /** Settles when the agent has stopped. */
  readonly stopped: Promise<void>;
}

/** How the agent names itself: its GT_ROLE address, never anything it was not given. */
export function demoName(env: NodeJS.ProcessEnv): string {
  const role = env.GT_ROLE;
  if (role === undefined || role === '') return '(no GT_ROLE)';
  try {
    return canonicalAddress(role);
  } catch {
    return `(bad GT_ROLE ${JSON.stringify(role.length > 60 ? `${role.slice(0, 60)}…` : role)})`;
  }
}

export function startDemoAgent(opts: DemoOptions, deps: DemoDeps): DemoAgent {
  const name = demoName(opts.env);
  const token = opts.env.GT_AGENT_TOKEN ? 'GT_AGENT_TOKEN set' : 'GT_AGENT_TOKEN not set';
  const aborter = new AbortController();
  const cancels = new Set<() => void>();
  let beats = 0;
  let finish: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (finish = resolve));
  const say = (text: string): void => {
    if (!aborter.signal.aborted) deps.print(`demo agent ${name}: ${text}`);
  };
  const later = (fn: () => void, ms: number): void => {
    const cancel = deps.schedule(() => {
      cancels.delete(cancel);
      fn();
    }, ms);
    cancels.add(cancel);
  };
  const beat = (): void => {
    beats += 1;
    say(`heartbeat ${beats} at ${deps.now().toISOString()}`);
    later(beat, opts.intervalMs);
  };
  const handoff = (): void => {
    say(`running gt ${HANDOFF_ARGS.join(' ')}`);
    void deps.handoff(aborter.signal).then(
      (outcome) =>
        say(
          outcome.ok
            ? 'gt handoff done; carrying on until the session is replaced'
            : `gt handoff failed (${outcome.detail}); carrying on`,
        ),
      (err: unknown) =>
        say(`gt handoff failed (${err instanceof Error ? err.message : String(err)}); carrying on`),
    );
  };
  say(`started (pid ${opts.pid}, ${token})`);
  later(beat, opts.intervalMs);
  if (opts.handoffAfterMs !== undefined) later(handoff, opts.handoffAfterMs);
  return {
    stopped,
    stop(why: string) {
      if (aborter.signal.aborted) return;
      say(`${why}, goodbye`);
      aborter.abort();
      for (const cancel of cancels) cancel();
      cancels.clear();
      finish();
    },
  };
}

/** How to run this same `gt`: the node binary, the script, and global flags such as --town. */
export interface GtInvocation {
  execPath: string;
  script: string | undefined;
  globalArgs: readonly string[];
}

/**
 * Runs `gt handoff --cycle` as a child with the terminal inherited. When the agent
 * stops first, the child is let go (unref), not killed: a half-written request is
 * worse than one the daemon can finish.
 */
export function spawnHandoff(
  gt: GtInvocation,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<HandoffOutcome> {
  const script = gt.script;
  if (script === undefined)
    return Promise.resolve({ ok: false, detail: 'cannot tell which gt script is running' });
  return new Promise((resolve) => {
    const child = spawn(gt.execPath, [script, ...gt.globalArgs, ...HANDOFF_ARGS], {
      stdio: 'inherit',
      env,
    });
    const letGo = (): void => {
      child.unref();
      resolve({ ok: false, detail: 'agent stopped before gt handoff finished' });
    };
    signal.addEventListener('abort', letGo, { once: true });
    child.on('error', (err) => {
      signal.removeEventListener('abort', letGo);
      resolve({ ok: false, detail: err.message });
    });
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', letGo);
      if (code === 0) resolve({ ok: true, detail: 'exited 0' });
      else
        resolve({
          ok: false,
          detail: sig !== null ? `killed by ${sig}` : `exited ${String(code)}`,
        });
    });
  });
}

/** The real clock and timers. */
export function realSchedule(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}
