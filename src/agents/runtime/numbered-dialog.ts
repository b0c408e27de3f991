// Dialogs drawn as numbered option lists with a selection marker (Codex, Gemini CLI): the list
// that holds the marker, and the reading of a known dialog from it.
import type { DialogRule, ScreenReading } from './profile.js';

interface Option {
  label: string;
  selected: boolean;
}

/**
 * The options of the list that holds the selection marker. Numbering restarts at 1 for each
 * list, which separates the dialog's list from numbered lines further up the screen.
 * `optionLine` captures `mark` (non-blank when selected), `n` and `label`.
 */
export function listOptions(
  lines: readonly string[],
  optionLine: RegExp,
): { options: string[]; selected: number } {
  const lists: Option[][] = [];
  for (const line of lines) {
    const groups = optionLine.exec(line)?.groups;
    if (groups === undefined) continue;
    const option = { label: groups['label'] ?? '', selected: (groups['mark'] ?? '').trim() !== '' };
    const current = lists.at(-1);
    if (groups['n'] === '1' || current === undefined) lists.push([option]);
    else current.push(option);
  }
  const list = lists.findLast((l) => l.some((o) => o.selected)) ?? [];
  return { options: list.map((o) => o.label), selected: list.findIndex((o) => o.selected) };
}

export function matchesAll(patterns: readonly RegExp[], lines: readonly string[]): boolean {
  return patterns.every((p) => lines.some((line) => p.test(line)));
}

/** A known dialog's reading; `optionLine` unless the rule has its own. */
export function readNumberedDialog(
  rule: DialogRule,
  lines: readonly string[],
  optionLine: RegExp,
): ScreenReading {
  const { options, selected } = listOptions(lines, rule.optionLine ?? optionLine);
  const wanted = options.findIndex((o) => rule.choose.test(o));
  // A known title without the known answer is a changed dialog: never guess.
  if (selected < 0 || wanted < 0) {
    return { activity: 'blocked', why: `${rule.id} dialog without the option gastown-ts chooses` };
  }
  return { activity: 'dialog', dialog: rule.id, options, selected, wanted };
}
