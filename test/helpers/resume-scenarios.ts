// The continuity scenarios every runtime that can resume goes through, one crew member
// (alpha/crew/max, kept alive) against the scripted model server: a busy agent's process killed
// comes back in the same conversation with one prompt saying so; the same after its tmux server
// is gone and a new daemon starts; a conversation whose transcript is gone, or that the CLI
// refuses, starts fresh once with a note.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelServer, RecordedRequest } from '../../src/demo/model-server.js';
import { agentOf, MAX, promptsWith, story, untilReady } from './agent-scenarios.js';
import { waitFor } from './temp.js';
import type { TestTown } from './town.js';
import type { DaemonProcess } from './town.js';
import { events, runDaemon } from './town.js';

/** What a resumed agent's restart prompt says (agents/restart-prompt.ts). */
export const RESUMED = 'your conversation was resumed';

/** Settings for a town whose crew member is kept alive and looked at often. */
export const KEPT = { daemon: { heartbeat: '200ms', keep_alive: [MAX] } };

/** The daemon started, and with it the kept-alive agent: ready. */
export async function keptReady(town: TestTown): Promise<DaemonProcess> {
  const daemon = await runDaemon(town);
  await untilReady(town, 60_000);
  return daemon;
}

export interface HistoryRow {
  ending: string | null;
  mode: string | null;
  conversation_id: string | null;
  transcript_path: string | null;
}

export async function history(town: TestTown): Promise<HistoryRow[]> {
  return JSON.parse(await town.gtOk(['session', 'history', MAX, '--json'])) as HistoryRow[];
}

/** The conversation the running session holds, once its hooks have named it. */
export async function conversationOf(town: TestTown): Promise<HistoryRow> {
  return waitFor(
    'the conversation on record',
    async () => {
      const [now] = await history(town);
      return now?.ending === null && now.conversation_id !== null ? now : undefined;
    },
    30_000,
    100,
  );
}

/** Turn ends the agent's hooks have reported so far. */
async function turnEnds(town: TestTown): Promise<number> {
  return (await events(town)).filter(
    (e) =>
      e.kind === 'agent.activity' &&
      e.identity === MAX &&
      e.outcome === 'ready' &&
      e.reason === 'hook',
  ).length;
}

/**
 * A prompt delivered and, unless it hangs, answered with the turn's end told by the hook (a CLI
 * still finishing its turn, OpenCode, would take the next prompt out of order).
 */
export async function told(town: TestTown, marker: string, directive = 'SAY:noted'): Promise<void> {
  const ends = await turnEnds(town);
  const args = ['nudge', MAX, `remember ${marker} ${directive}`, '--wait', '--timeout', '60s'];
  const out = await town.gt(args, { timeoutMs: 70_000 });
  if (out.code !== 0) throw new Error(`gt nudge: ${out.stderr}\n${await story(town)}`);
  if (directive !== 'HANG')
    await waitFor('the turn to end', async () => (await turnEnds(town)) > ends, 60_000, 100);
}

/** Busy on a turn the model never answers: the prompt in the conversation, the agent busy. */
export async function busyOn(town: TestTown, server: ModelServer, marker: string): Promise<void> {
  await told(town, marker, 'HANG');
  await server
    .waitForRequest((r) => r.main && r.lastUserText.includes(marker), 30_000)
    .catch(async (err: unknown) => {
      const seen = server.requests.map(
        (r) => `${r.main ? 'main' : 'side'} ${r.path}: ${r.lastUserText.slice(0, 120)}`,
      );
      throw new Error(`${String(err)}\n--- requests\n${seen.join('\n')}\n${await story(town)}`);
    });
  await waitFor('busy', async () => (await agentOf(town))?.activity === 'busy', 10_000, 50);
}

/** SIGKILLs the agent's process group (the CLI and whatever it runs): a crash. */
export async function killAgent(town: TestTown): Promise<number> {
  const pid = (await agentOf(town))?.pid;
  if (pid == null) throw new Error(`no agent process to kill\n${await story(town)}`);
  process.kill(-pid, 'SIGKILL');
  return pid;
}

/** The first main request after `since` whose newest prompt says `what`. */
export function firstAfter(
  server: ModelServer,
  since: number,
  what: string,
  timeoutMs = 90_000,
): Promise<RecordedRequest> {
  return server.waitForRequest(
    (r) => r.main && r.at >= since && r.lastUserText.includes(what),
    timeoutMs,
  );
}

/** The agent back up under a new pid, ready. */
export async function backUp(town: TestTown, before: number): Promise<void> {
  await waitFor(
    'a new session',
    async () => {
      const a = await agentOf(town);
      return a?.running === true && a.pid !== before;
    },
    60_000,
    100,
  ).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await story(town)}`);
  });
  await untilReady(town, 60_000);
}

/**
 * A busy agent's process killed: back in the same conversation, its first request carrying the
 * earlier prompts and the one restart prompt. Gives that request.
 */
export async function crashResumes(town: TestTown, server: ModelServer): Promise<RecordedRequest> {
  const early = `EARLY-${Date.now()}`;
  const late = `BUSY-${Date.now()}`;
  await told(town, early);
  await busyOn(town, server, late);
  const { conversation_id: id } = await conversationOf(town);
  const since = Date.now();
  const pid = await killAgent(town);
  const first = await firstAfter(server, since, RESUMED).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await story(town)}`);
  });
  expect(first.lastUserText).toContain('restarted after a crash');
  expect(first.text).toContain(early);
  expect(first.text).toContain(late);
  // A CLI that joins the unanswered prompt to the restart prompt (Gemini CLI) asks to hang again.
  server.release();
  await backUp(town, pid);
  expect(promptsWith(server, RESUMED)).toBe(1);
  const [now, ended] = await history(town);
  expect(now).toMatchObject({ ending: null, mode: 'resumed', conversation_id: id });
  expect(ended).toMatchObject({ ending: 'crash', conversation_id: id });
  expect((await agentOf(town))?.session_mode).toBe('resumed');
  return first;
}

/** The tmux server gone with the daemon (a reboot), a new daemon started: the same conversation. */
export async function rebootResumes(
  town: TestTown,
  server: ModelServer,
  daemon: DaemonProcess,
): Promise<RecordedRequest> {
  const early = `BEFORE-REBOOT-${Date.now()}`;
  await told(town, early);
  const { conversation_id: id } = await conversationOf(town);
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  execFileSync('tmux', ['-L', town.socket, 'kill-server'], { stdio: 'ignore' });
  const since = Date.now();
  await runDaemon(town);
  const first = await firstAfter(server, since, RESUMED);
  expect(first.lastUserText).toContain('tmux server went away');
  expect(first.text).toContain(early);
  await untilReady(town, 60_000);
  const [now, ended] = await history(town);
  expect(now).toMatchObject({ mode: 'resumed', conversation_id: id });
  expect(ended).toMatchObject({ ending: 'reboot', conversation_id: id });
  const restored = (await events(town)).filter(
    (e) => e.kind === 'agent.restarted' && e.identity === MAX,
  );
  expect(restored.map((e) => e.outcome)).toEqual(['restored']);
  return first;
}

/**
 * The conversation cannot be resumed (`breakIt` deletes its transcript, or names one the CLI
 * does not have): a fresh session once, its first prompt carrying the daemon's note.
 */
export async function fallsBackFresh(
  town: TestTown,
  server: ModelServer,
  breakIt: (row: HistoryRow, pid: number) => Promise<void>,
): Promise<RecordedRequest> {
  const early = `LOST-${Date.now()}`;
  await told(town, early);
  const row = await conversationOf(town);
  const pid = (await agentOf(town))?.pid ?? 0;
  const since = Date.now();
  await breakIt(row, pid);
  const first = await firstAfter(server, since, 'fresh session of an agent that handed off').catch(
    async (err: unknown) => {
      throw new Error(`${String(err)}\n${await story(town)}`);
    },
  );
  expect(first.text).toContain('could not be resumed');
  await untilReady(town, 60_000);
  // A new conversation, not the old one under another session.
  const now = await conversationOf(town);
  expect(now.mode).toBe('fresh');
  expect(now.conversation_id).not.toBe(row.conversation_id);
  const failed = (await events(town)).filter(
    (e) => e.kind === 'agent.resume-failed' && e.identity === MAX,
  );
  expect(failed).toHaveLength(1);
  expect((await agentOf(town))?.session_mode).toBe('fresh');
  return first;
}

/**
 * The agent killed and its transcript deleted while no daemon runs (a live CLI would write it
 * again), then a daemon started.
 */
export async function transcriptGone(
  town: TestTown,
  row: HistoryRow,
  daemon: DaemonProcess,
): Promise<void> {
  expect(row.transcript_path).not.toBeNull();
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  await killAgent(town);
  rmSync(row.transcript_path ?? '', { force: true });
  await runDaemon(town);
}

/** How a runtime's conversation is made unresumable: its transcript deleted, or an id it lacks. */
export type Breakage = { transcript: true } | { bogusId: string };

/** A conversation Claude Code does not have (any well-formed UUID). */
export const BOGUS_UUID = '0badc0de-0000-4000-8000-000000000000';

/** The scenarios of a runtime that can resume, for its own test file. */
export function resumeSuite(
  name: string,
  make: () => Promise<{ town: TestTown; server: ModelServer }>,
  breakage: Breakage,
  timeoutMs = 180_000,
): void {
  describe(`real ${name}: a crashed agent comes back with its work`, () => {
    it(
      'killed while busy: the same conversation, told once what happened',
      async () => {
        const { town, server } = await make();
        await keptReady(town);
        await crashResumes(town, server);
      },
      timeoutMs,
    );

    it(
      'its tmux server gone and a new daemon started: the same conversation',
      async () => {
        const { town, server } = await make();
        const daemon = await keptReady(town);
        await rebootResumes(town, server, daemon);
      },
      timeoutMs,
    );

    const what =
      'transcript' in breakage
        ? 'its transcript deleted: fresh once, with the daemon’s note'
        : 'a resume it refuses (no such conversation): fresh once, never a loop';
    it(
      what,
      async () => {
        const { town, server } = await make();
        const daemon = await keptReady(town);
        await fallsBackFresh(town, server, async (row) => {
          if ('transcript' in breakage) await transcriptGone(town, row, daemon);
          else await town.gtOk(['session', 'restart', MAX, '--resume', breakage.bogusId]);
        });
        if (!('transcript' in breakage)) {
          const endings = (await history(town)).map((r) => r.ending);
          expect(endings.slice(0, 3)).toEqual([null, 'resume-failed', 'restart']);
        }
      },
      timeoutMs,
    );
  });
}
