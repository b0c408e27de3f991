// Many prompts to many real Claude Code agents at once, a quarter of them making the agent busy
// for a while: queued with `gt nudge` (the daemon types each when its agent is ready), beside
// the same agents given the same prompts typed raw into their panes by a script that types an
// agent's next prompt as soon as the model has its last one (Claude Code holds a prompt typed
// during a turn and sends it when the turn ends). Each counted: lost, or seen twice.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClaudeBench } from './claude-town.js';
import { requestWith, until } from './agent-town.js';
import { nowMs } from './harness.js';

const run = promisify(execFile);

export const crewAddress = (i: number): string => `alpha/crew/c${i}`;
const crewSession = (i: number): string => `gt-alpha-crew-c${i}`;

function timesSeen(b: ClaudeBench, marker: string): number {
  return b.server.requests.filter((r) => r.main && r.lastUserText.includes(marker)).length;
}

export interface ManyFigures {
  /** Until the last prompt was queued (gt nudge × n) or typed. */
  queued: number;
  /** Until the model had every prompt. */
  drained: number;
  lost: number;
  duplicated: number;
}

/** The prompts of one run: a quarter of them keep the agent busy for 1.5 s. */
function prompts(kind: string, total: number): Array<{ marker: string; text: string }> {
  const stamp = `${kind}-${Date.now()}`;
  return Array.from({ length: total }, (_, i) => {
    const marker = `${stamp}-${i}-end`;
    return { marker, text: `${marker}${i % 4 === 0 ? ' DELAY:1500' : ''} SAY:ok` };
  });
}

async function settle(
  b: ClaudeBench,
  markers: readonly string[],
  t0: number,
  queued: number,
): Promise<ManyFigures> {
  const seen = (): number => markers.filter((m) => timesSeen(b, m) > 0).length;
  await until(
    `${markers.length} prompts at the model`,
    () => seen() === markers.length,
    20 * 60_000,
    500,
  ).catch(() => undefined);
  const drained = nowMs() - t0;
  // A duplicate would come after the first delivery: give it a moment to show.
  await new Promise((r) => setTimeout(r, 3000));
  const counts = markers.map((m) => timesSeen(b, m));
  return {
    queued,
    drained,
    lost: counts.filter((c) => c === 0).length,
    duplicated: counts.filter((c) => c > 1).length,
  };
}

/**
 * `total` prompts across `agents` agents, queued by four senders running `gt nudge`: the native
 * gt, as agents send them from their sessions (the Node gt where none was built).
 */
export async function manyNudges(
  b: ClaudeBench,
  agents: number,
  total: number,
): Promise<ManyFigures> {
  const all = prompts('many', total);
  const native = join(b.gtDir, 'native', 'gt');
  const send = existsSync(native)
    ? (args: string[]) => run(native, args, { env: b.env }).then(() => undefined)
    : b.gtAsync;
  const t0 = nowMs();
  let next = 0;
  const sender = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++)
      await send(['nudge', crewAddress(i % agents), all[i]?.text ?? '']);
  };
  await Promise.all([sender(), sender(), sender(), sender()]);
  return settle(
    b,
    all.map((p) => p.marker),
    t0,
    nowMs() - t0,
  );
}

/** The same prompts typed raw: each agent's next as soon as the model has its last. */
export async function manyTyped(
  b: ClaudeBench,
  agents: number,
  total: number,
): Promise<ManyFigures> {
  const all = prompts('raw', total);
  const tmux = (...args: string[]) => run('tmux', ['-u', '-L', b.socket, ...args]);
  const t0 = nowMs();
  let typedAll = 0;
  const agent = async (a: number): Promise<void> => {
    for (let i = a; i < total; i += agents) {
      const p = all[i];
      if (p === undefined) continue;
      await tmux('send-keys', '-t', `=${crewSession(a)}:`, '-l', p.text);
      await tmux('send-keys', '-t', `=${crewSession(a)}:`, 'Enter');
      typedAll = Math.max(typedAll, nowMs() - t0);
      // Lost (never sent): the script goes on after a minute, as one would.
      await requestWith(b.server, p.marker, 60_000).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: agents }, (_, a) => agent(a)));
  return settle(
    b,
    all.map((p) => p.marker),
    t0,
    typedAll,
  );
}
