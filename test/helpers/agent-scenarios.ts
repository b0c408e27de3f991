// The scenarios every real agent CLI goes through under the daemon, one crew member each
// (alpha/crew/max) against the scripted model server: ready, a prompt delivered exactly once and
// acknowledged by its hook, a handoff by its own shell tool carried to the successor, a failure
// read as its kind and never restarted. Each runtime's test file adds what only it does.
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { ModelServer, RecordedRequest } from '../../src/demo/model-server.js';
import type { StatusAgent } from './claude.js';
import { statusOf } from './claude.js';
import { waitFor } from './temp.js';
import type { TestTown } from './town.js';
import { events, runDaemon } from './town.js';

export const MAX = 'alpha/crew/max';

export const agentOf = (town: TestTown): Promise<StatusAgent | undefined> => statusOf(town, MAX);

/** Waits for the agent to be ready; the milliseconds it took. */
export async function untilReady(town: TestTown, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  await waitFor(
    'the agent to be ready',
    async () => (await agentOf(town))?.activity === 'ready',
    timeoutMs,
    100,
  );
  return Date.now() - started;
}

/** Starts the daemon and the agent; the milliseconds from the start to ready. */
export async function startedReady(town: TestTown, timeoutMs = 60_000): Promise<number> {
  await runDaemon(town);
  await town.gtOk(['session', 'start', MAX]);
  return untilReady(town, timeoutMs);
}

/** The agent's failure once it is `kind`, with its events on the way if it never is. */
export async function untilKind(town: TestTown, kind: string, ms = 30_000): Promise<StatusAgent> {
  return waitFor(
    kind,
    async () => {
      const a = await agentOf(town);
      return a?.kind === kind ? a : undefined;
    },
    ms,
    100,
  ).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await town.gtOk(['events', '--agent', MAX])}`);
  });
}

/** The kinds of the agent's events, oldest first. */
export async function eventKinds(town: TestTown): Promise<string[]> {
  return (await events(town)).filter((e) => e.identity === MAX).map((e) => e.kind);
}

/** The daemon's heartbeats so far. */
export async function heartbeats(town: TestTown): Promise<number> {
  const status = JSON.parse(await town.gtOk(['daemon', 'status', '--json'])) as {
    heartbeat_count: number;
  };
  return status.heartbeat_count;
}

export async function neverRestarted(town: TestTown): Promise<void> {
  const kinds = await eventKinds(town);
  expect(kinds).not.toContain('agent.restarted');
  expect(kinds).not.toContain('agent.died');
}

/** The agent's recent events and its screen: what a failed wait shows. */
export async function story(town: TestTown): Promise<string> {
  const seen = await town.gtOk(['events', '--agent', MAX, '-n', '40']);
  let screen: string;
  try {
    const pane = ['capture-pane', '-p', '-t', 'gt-alpha-crew-max'];
    screen = execFileSync('tmux', ['-L', town.socket, ...pane], { encoding: 'utf8' });
  } catch (err) {
    screen = `(no screen: ${String(err)})`;
  }
  return `${seen}\n--- screen\n${screen.trimEnd()}`;
}

/** Main requests whose newest prompt carries `marker`: how often it reached the model. */
export function promptsWith(server: ModelServer, marker: string): number {
  return server.requests.filter((r) => r.main && r.lastUserText.includes(marker)).length;
}

/**
 * A prompt to the ready agent, its reply a little slow: delivered, acknowledged by the hook,
 * the agent busy then ready (both also told by its hooks), the prompt at the model once, the
 * queue empty. Prints gt nudge → model request; gives the prompt's marker.
 */
export async function nudgedOnce(
  label: string,
  town: TestTown,
  server: ModelServer,
  timeoutS = 60,
): Promise<string> {
  const marker = `nudge-marker-${Date.now()}`;
  const sent = Date.now();
  const args = ['nudge', MAX, `note ${marker} DELAY:1500 SAY:noted`, '--wait', '--json'];
  const sentOut = await town.gt([...args, '--timeout', `${timeoutS}s`], {
    timeoutMs: (timeoutS + 10) * 1000,
  });
  if (sentOut.code !== 0) throw new Error(`gt nudge: ${sentOut.stderr}\n${await story(town)}`);
  const out = JSON.parse(sentOut.stdout) as { status: string; ack: string };
  expect(out).toMatchObject({ status: 'delivered', ack: 'hook' });
  const request = await server.waitForRequest((r) => r.main && r.lastUserText.includes(marker));
  console.log(`${label} nudge → model request: ${request.at - sent} ms`);
  await waitFor('busy', async () => (await agentOf(town))?.activity === 'busy', 10_000, 50);
  await untilReady(town, 30_000);
  expect(promptsWith(server, marker)).toBe(1);
  expect(JSON.parse(await town.gtOk(['nudge', '--list', '--json']))).toEqual([]);
  const seen = (await events(town)).filter(
    (e) => e.kind === 'agent.activity' && e.identity === MAX,
  );
  expect(seen.filter((e) => e.reason === 'hook').map((e) => e.outcome)).toEqual(
    expect.arrayContaining(['busy', 'ready']),
  );
  return marker;
}

/**
 * The agent runs `gt handoff -m` with its own shell tool: the request carried out, and the
 * successor's first request has the note, which gt prime gave it. Gives that request.
 */
export async function handsOffByItsShell(
  town: TestTown,
  server: ModelServer,
  timeoutMs = 60_000,
): Promise<RecordedRequest> {
  const note = `NOTE-${Date.now()}-carry-on`;
  server.push({ kind: 'bash', command: `gt handoff -s "auth work" -m ${note}` });
  const wait = ['--wait', '--timeout', `${timeoutMs / 1000}s`];
  await town.gtOk(['nudge', MAX, 'time to hand off', ...wait], { timeoutMs: timeoutMs + 10_000 });
  await waitFor(
    'the cycle',
    async () => (await events(town)).some((e) => e.kind === 'request.done'),
    timeoutMs,
  );
  const first = await server.waitForRequest(
    (r) => r.main && r.lastUserText.includes('fresh session of an agent that handed off'),
    timeoutMs,
  );
  expect(first.text).toContain(note);
  expect(first.text).toContain('🤝 HANDOFF: auth work');
  // The agent's shell tool found this gt (a CLI's own shell may lack the session's PATH).
  expect(server.requests.some((r) => /gt: (command )?not found/.test(r.text))).toBe(false);
  return first;
}

/** A 401 on the next prompt: held as `auth` (its detail matching), the mayor told once. */
export async function heldForAuth(town: TestTown, detail: RegExp, timeoutS = 30): Promise<void> {
  const wait = ['--wait', '--timeout', `${timeoutS}s`];
  await town.gtOk(['nudge', MAX, 'ERR:401 try the call', ...wait], {
    timeoutMs: (timeoutS + 10) * 1000,
  });
  const held = await untilKind(town, 'auth');
  expect(held.kind_detail).toMatch(detail);
  await waitFor('ready', async () => (await agentOf(town))?.activity === 'ready', 30_000, 100);
  const mail = JSON.parse(await town.gtOk(['mail', 'inbox', 'mayor', '--json'])) as Array<{
    subject: string;
  }>;
  expect(mail.filter((m) => m.subject === `HELD: ${MAX} (auth)`)).toHaveLength(1);
}

/**
 * A 429 the CLI retries by itself (`directive`, e.g. ERR:429:30): rate limited, its detail
 * matching `limited`; then the server gone, its next try refused: network, matching `refused`,
 * told apart on the same screen. Alive throughout, never restarted.
 */
export async function limitedThenUnreachable(
  town: TestTown,
  server: ModelServer,
  directive: string,
  expected: { limited: RegExp; refused: RegExp },
): Promise<void> {
  // Generous: under a loaded machine a heavy CLI takes its time to show the prompt taken.
  await town.gtOk(['nudge', MAX, `${directive} a busy service`, '--wait', '--timeout', '60s'], {
    timeoutMs: 70_000,
  });
  expect((await untilKind(town, 'rate_limited')).kind_detail).toMatch(expected.limited);
  await server.close();
  expect((await untilKind(town, 'network')).kind_detail).toMatch(expected.refused);
  expect((await agentOf(town))?.state).toBe('alive');
  await neverRestarted(town);
}
