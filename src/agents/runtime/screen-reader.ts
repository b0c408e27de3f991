// The one screen reader every runtime uses: screens nobody may answer (blockers), the dialogs
// gastown-ts answers, dialogs it does not know, then the input box. A profile gives the data.
import type { DialogRule, ScreenReading } from './profile.js';

/** A screen nobody may answer blindly, and the reason for leaving it alone. */
export interface Blocker {
  /** The screen is this one when every pattern matches some line. */
  match: readonly RegExp[];
  why: string;
}

/** A dialog's options as listed, and the index of the selected one (-1: none is). */
export interface OptionList {
  options: string[];
  selected: number;
}

/** The input box: what is typed in it (a placeholder reads as ''), and whether a turn runs. */
export interface InputArea {
  input: string;
  busy: boolean;
}

/** How one CLI's screen reads: patterns, plus the few functions that differ between CLIs. */
export interface ScreenSpec {
  /** Cuts the end of each line before reading; String.prototype.trimEnd when absent. */
  trimEnd?: (line: string) => string;
  /** The dialogs gastown-ts answers; the first whose patterns all match is on screen. */
  dialogs: readonly DialogRule[];
  /** Screens nobody may answer blindly; they win over a known dialog that also matches. */
  blockers: readonly Blocker[];
  /**
   * A line only a dialog shows (a selected option): a dialog area without one holds none.
   * Absent: the dialog area is a dialog by itself.
   */
  dialogMark?: Pick<RegExp, 'test'>;
  /** A line (trimmed) that asks the person something; an unknown dialog's reason quotes it. */
  question?: RegExp;
  /** The lines a live dialog takes up, or null when this screen cannot show one. */
  dialogArea(lines: readonly string[]): readonly string[] | null;
  /** The options a dialog area lists. */
  options(area: readonly string[]): OptionList;
  /** The input box, or null while the CLI is still starting (or drawing its screen). */
  input(lines: readonly string[]): InputArea | null;
}

export function matchesAll(patterns: readonly RegExp[], lines: readonly string[]): boolean {
  return patterns.every((p) => lines.some((line) => p.test(line)));
}

/** A known dialog's reading: which option is selected and which one gastown-ts wants. */
function readKnownDialog(rule: DialogRule, list: OptionList): ScreenReading {
  const { options, selected } = list;
  const wanted = options.findIndex((o) => rule.choose.test(o));
  // A known title without the known answer is a changed dialog: never guess.
  if (selected < 0 || wanted < 0) {
    return { activity: 'blocked', why: `${rule.id} dialog without the option gastown-ts chooses` };
  }
  return { activity: 'dialog', dialog: rule.id, options, selected, wanted };
}

/** The reading of a dialog area; null when it holds no dialog (only output). */
function readDialogArea(spec: ScreenSpec, area: readonly string[]): ScreenReading | null {
  const blocker = spec.blockers.find((b) => matchesAll(b.match, area));
  if (blocker !== undefined) return { activity: 'blocked', why: blocker.why };
  const rule = spec.dialogs.find((d) => matchesAll(d.match, area));
  if (rule !== undefined) return readKnownDialog(rule, spec.options(area));
  const mark = spec.dialogMark;
  if (mark !== undefined && !area.some((l) => mark.test(l))) return null;
  const asks = spec.question;
  const question =
    asks === undefined ? undefined : area.map((l) => l.trim()).find((l) => asks.test(l));
  return {
    activity: 'blocked',
    why:
      question === undefined
        ? 'a dialog gastown-ts does not know'
        : `a question gastown-ts does not answer: ${question}`,
  };
}

/** The `read` of a profile whose screen reads by `spec`. */
export function screenReader(spec: ScreenSpec): (screen: readonly string[]) => ScreenReading {
  const trimEnd = spec.trimEnd ?? ((line: string) => line.trimEnd());
  return (screen) => {
    const lines = screen.map(trimEnd);
    if (lines.every((l) => l === '')) return { activity: 'starting' };
    const area = spec.dialogArea(lines);
    const dialog = area === null ? null : readDialogArea(spec, area);
    if (dialog !== null) return dialog;
    const box = spec.input(lines);
    if (box === null) return { activity: 'starting' };
    const { input, busy } = box;
    return busy
      ? { activity: 'busy', input }
      : { activity: 'ready', inputEmpty: input === '', input };
  };
}
