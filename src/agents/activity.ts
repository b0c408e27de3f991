// What to do about one agent's screen: its activity, the key (if any) that answers the dialog
// it shows, and whether the mayor must be told it is blocked. Pure: the runtime's reading of
// the screen and what was known before in, a decision out (daemon/watch.ts applies it).
import type { Activity, Key, ScreenReading } from './runtime/profile.js';

/** Most keys pressed into one dialog before it counts as stuck (blocked, nothing more pressed). */
export const MAX_DIALOG_KEYS = 8;
/** Screen lines kept with a blocked agent: enough to see the question, never a whole screen. */
export const BLOCKED_LINES = 40;
export const BLOCKED_BYTES = 4096;
/** How long an Enter is given to be drawn before it counts as lost (and is pressed again). */
export const KEY_SETTLE_MS = 1500;
/** A dialog is on screen this long before its first key (one just drawn drops keys). */
export const DIALOG_SETTLE_MS = 300;
/** The same for Up and Down, whose repeats are harmless: the next look corrects an overshoot. */
export const MOVE_SETTLE_MS = 250;

export interface Known {
  activity: string | null;
  /** Who said so: the hooks' word on ready and busy stands until they say otherwise. */
  source: string | null;
  detail: string | null;
  /** Keys already pressed into the dialog now on screen. */
  dialogKeys: number;
  /**
   * The screen is the very one our last key was pressed into, and that key is recent: the CLI
   * has not drawn its answer yet. Nothing more is pressed until it does (a second Enter into a
   * stale dialog would land in the next one).
   */
  keyPending?: boolean;
  /** The mayor was told of this blocked stretch already. */
  blockedNotified: boolean;
  /**
   * The screen's latest turn shows a failure (runtime.classify): a turn that ended on an API
   * error, which some CLIs (Codex) end without any hook.
   */
  turnFailed?: boolean;
}

export interface ActivityDecision {
  activity: Activity;
  detail: string | null;
  /** The key to press now (one per look: the next screen shows whether it took). */
  key?: Key;
  /** Tell the mayor (and record it) that the agent waits on something gt will not answer. */
  notifyBlocked?: boolean;
}

function keyFor(reading: Extract<ScreenReading, { activity: 'dialog' }>): Key {
  if (reading.selected === reading.wanted) return 'Enter';
  return reading.selected < reading.wanted ? 'Down' : 'Up';
}

function blocked(why: string, known: Known): ActivityDecision {
  return { activity: 'blocked', detail: why, notifyBlocked: !known.blockedNotified };
}

export function decideActivity(reading: ScreenReading, known: Known): ActivityDecision {
  switch (reading.activity) {
    case 'dialog': {
      if (known.detail === reading.dialog && known.dialogKeys >= MAX_DIALOG_KEYS)
        return blocked(`the ${reading.dialog} dialog did not take ${MAX_DIALOG_KEYS} keys`, known);
      if (known.keyPending === true) return { activity: 'dialog', detail: reading.dialog };
      return { activity: 'dialog', detail: reading.dialog, key: keyFor(reading) };
    }
    case 'blocked':
      return blocked(reading.why, known);
    case 'ready':
    case 'busy':
      // A turn that failed is over whatever the hooks said last: Codex fires no Stop for it.
      if (reading.activity === 'ready' && known.turnFailed === true)
        return { activity: 'ready', detail: null };
      // Hooks report turns as they happen; a screen read between two polls may lag behind.
      if (known.source === 'hook' && (known.activity === 'ready' || known.activity === 'busy'))
        return { activity: known.activity, detail: null };
      return { activity: reading.activity, detail: null };
    case 'starting':
      return { activity: 'starting', detail: null };
  }
}

/** The lines of a blocked screen worth keeping: the last non-blank ones, bounded. */
export function blockedExcerpt(lines: readonly string[]): string {
  const kept = lines.map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  let text = kept.slice(-BLOCKED_LINES).join('\n');
  if (Buffer.byteLength(text) > BLOCKED_BYTES) text = text.slice(-BLOCKED_BYTES);
  return text;
}
