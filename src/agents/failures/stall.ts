// A busy agent that shows no progress: its screen has not changed (beyond its clock and
// spinner) and its hooks have said nothing for agents.stall_after. Pure: the watcher keeps
// when each screen last changed (daemon/watch.ts) and carries out the step decided here:
//   first quiet stretch   one prompt asking for its status, typed while it is busy (the CLI
//                         queues it; nothing is interrupted)
//   still quiet after     marked stalled and the mayor told once; never restarted for it
//   progress again        the mark is cleared
import type { AgentRecord } from '../../store/store.js';

/** What the agent is asked: short enough to stay on one screen line. */
export const STALL_TEXT = 'gt: no progress seen for a while. What is your status?';

/**
 * Lines that change while nothing happens: spinners with their clock, tips, the queue of
 * typed prompts (our own question among them).
 */
const IDLE_LINE =
  /esc to (?:interrupt|cancel)|ctrl\+c to (?:interrupt|cancel)|Tip:|…|\.\.\.\s*\(|queued|no progress seen/i;

/** A box's edge: the CLIs draw their input box (and what is below it) between such lines. */
const RULE = /^\s*[─━═╭╰][─━═╮╯\s]*$/;
/** How far from the bottom the input box starts. */
const BOX_LINES = 12;

/**
 * The lines a print keeps, counted from the bottom: output is added at the bottom, while lines
 * drawn under it (a queue of typed prompts) push the top of the screen out of sight.
 */
const PRINT_LINES = 20;
/** The title of a queue of typed prompts ("Queued (press ↑ to edit):"), its entries under it. */
const QUEUE_TITLE = /^\s*Queued\b.*:\s*$/;

/** The lines without any queue of typed prompts: our own status question waits in one. */
function withoutQueues(lines: readonly string[]): string[] {
  const kept: string[] = [];
  let queue = -1; // the indent of the queue's title while its entries are skipped
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    if (QUEUE_TITLE.test(line)) queue = indent;
    else if (queue >= 0 && line.trim() !== '' && indent > queue) continue;
    else {
      queue = -1;
      kept.push(line);
    }
  }
  return kept;
}

/** The screen above the input box: the box, its footer and their passing hints are not work. */
function aboveInput(lines: readonly string[]): readonly string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
  for (let i = Math.max(0, end - BOX_LINES); i < end; i++)
    if (RULE.test(lines[i] ?? '')) return lines.slice(0, i);
  return lines.slice(0, end);
}

/**
 * The screen without what changes by itself: equal prints mean no progress. Right-aligned
 * lines are hints that come and go (an effort level, a terminal setting), not output.
 */
export function progressPrint(lines: readonly string[]): string {
  return withoutQueues(aboveInput(lines))
    .filter((l) => !IDLE_LINE.test(l) && !/^\s{20}/.test(l))
    .map((l) =>
      l
        .replace(/\d+/g, '#')
        .replace(/[^\x20-\x7e]/g, '')
        .trim(),
    )
    .filter((l) => l !== '')
    .slice(-PRINT_LINES)
    .join('\n');
}

export type StallStep = 'none' | 'nudge' | 'mark' | 'clear';

export type StallRecord = Pick<
  AgentRecord,
  'activity' | 'activitySince' | 'failureKind' | 'failureSince' | 'failureUntil' | 'failureCount'
>;

/**
 * `progressAt`: when the screen last changed (or was first read). A failure of another kind
 * (a rate limit the CLI waits out) is not a stall: its own policy applies.
 */
export function decideStall(
  r: StallRecord,
  progressAt: number,
  now: number,
  stallAfterMs: number,
): StallStep {
  const stalled = r.failureKind === 'stalled';
  if (r.failureKind !== null && !stalled) return 'none';
  const quietSince = Math.max(progressAt, r.activitySince ?? progressAt);
  if (stalled && (r.activity !== 'busy' || quietSince > (r.failureSince ?? now))) return 'clear';
  if (r.activity !== 'busy') return 'none';
  if (!stalled) return now - quietSince >= stallAfterMs ? 'nudge' : 'none';
  if (r.failureUntil !== null && now >= r.failureUntil) return 'mark';
  return 'none';
}
